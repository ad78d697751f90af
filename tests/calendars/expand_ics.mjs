// Reads an .ics file with Mozilla's ical.js and prints its expanded occurrences as JSON:
// [{uid, start, end, recurrence_id, status, summary}], instants in UTC (ISO 8601, "Z"), all-day
// values as dates ("2027-04-02"). Usage: node expand_ics.mjs FILE.ics UNTIL_ISO
// Used by tests/calendars/test_cross_parser.py to compare our feeds across independent parsers.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const [file, untilText] = process.argv.slice(2);
const text = readFileSync(file, "utf8");
const root = new ICAL.Component(ICAL.parse(text));
const until = ICAL.Time.fromJSDate(new Date(untilText || "2100-01-01T00:00:00Z"), true);

function instant(t) {
  if (t.isDate) return t.toString(); // YYYY-MM-DD
  return t.toJSDate().toISOString().replace(".000Z", "Z");
}

const masters = new Map();
const exceptions = [];
for (const vevent of root.getAllSubcomponents("vevent")) {
  const ev = new ICAL.Event(vevent);
  if (ev.isRecurrenceException()) exceptions.push(ev);
  else masters.set(ev.uid, ev);
}
for (const ex of exceptions) {
  const master = masters.get(ex.uid);
  if (master) master.relateException(ex);
  else masters.set(ex.uid + "#" + instant(ex.recurrenceId), ex);
}

const out = [];
for (const ev of masters.values()) {
  if (ev.isRecurring()) {
    const it = ev.iterator();
    let next;
    let n = 0;
    while ((next = it.next()) && n < 5000) {
      n += 1;
      if (next.compare(until) > 0) break;
      const d = ev.getOccurrenceDetails(next);
      const comp = d.item.component;
      out.push({
        uid: ev.uid,
        start: instant(d.startDate),
        end: instant(d.endDate),
        recurrence_id: instant(d.recurrenceId),
        status: comp.getFirstPropertyValue("status") || "",
        summary: d.item.summary || "",
      });
    }
  } else {
    out.push({
      uid: ev.uid,
      start: instant(ev.startDate),
      end: instant(ev.endDate),
      recurrence_id: ev.recurrenceId ? instant(ev.recurrenceId) : null,
      status: ev.component.getFirstPropertyValue("status") || "",
      summary: ev.summary || "",
    });
  }
}
out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.uid < b.uid ? -1 : 1));
process.stdout.write(JSON.stringify(out));
