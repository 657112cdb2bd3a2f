"""The board's view: the quarterly protocol compliance report (figures, charts, HTML and CSV), its scheduled
send, the forecast of what falls due, and the audit export. Its SQL lives in ``checker/state/board.py``."""
