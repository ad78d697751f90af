"""iCalendar feeds and .ics import (arrives with the calendars issue)."""
