# gunicorn reads this file from the working directory by default (or: gunicorn -c /path/to/gunicorn.conf.py).
# Command-line options (-w, -b, --access-logfile ...) still apply on top of it.
#
# The access and error logs never show a personal calendar feed's secret or a `token=` value
# (docs/security.md "Rate limits, headers and sessions").
logger_class = "commons.gunicorn_logging.RedactingLogger"
