"""Seasonal rounds: groups apply for weekly slots, staff allocate them fairly (with reasons) and
publish them as weekly booking series."""


def register_hooks() -> None:
    """Tell commons about this package: the renderer of the round results' e-mails."""
    from commons.mail import register_renderer
    from rounds import notices

    register_renderer(notices.RENDERER, notices.render)
