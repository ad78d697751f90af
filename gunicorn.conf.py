# gunicorn reads this file from the working directory by default (or: gunicorn -c /path/to/gunicorn.conf.py).
# Command-line options (-w, -b, --access-logformat ...) still apply on top of it.
#
# The access and error logs never show a personal calendar feed's secret or a `token=` value
# (docs/security.md "Rate limits, headers and sessions"). Each access log line ends with the request's
# id (X-Request-ID); LOG_FORMAT=json makes every line a JSON object (docs/operations.md).
import os
import tempfile

logger_class = "commons.gunicorn_logging.RedactingLogger"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)ss rid=%({x-request-id}o)s'

# /metrics sums every worker's figures (commons.metrics): prometheus_client's multiprocess mode, where
# each worker writes its counters to files in PROMETHEUS_MULTIPROC_DIR. Set it to a directory of its own
# (emptied here at each start); without it, one is made in the temporary directory. The variable must be
# set before a worker imports prometheus_client, which is why it is set here, in the master.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="commons-metrics-")


def on_starting(server):
    """A fresh start counts from zero: the files of an earlier run would add to this one's."""
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.unlink(os.path.join(directory, name))


def child_exit(server, worker):
    """A worker that ended (restarted, killed): its live gauges go; its counts stay in the sums."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
