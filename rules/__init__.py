"""The domain of joint housing protocols: calendar, records, findings and rule kinds.

Pure: nothing here opens a file, a database or a socket, or reads settings.
"""
