"""Checks of the local sink and of SMTP (connect, STARTTLS, login, QUIT: no mail is sent)."""

from __future__ import annotations

import smtplib
import ssl

from checker.preflight.results import Check, connection_problem, failed, not_writable, passed, secret_file, tls_context
from checker.settings import Settings
from notifiers.smtp import SmtpConfig

# -- delivery channels -------------------------------------------------------------------------------


def check_sink(settings: Settings, name: str) -> Check:
    folder = settings.delivery.sink_dir  # an output: relative to the working folder, as channels.py opens it
    problem = not_writable(folder)
    if problem:
        return failed(name, f"the sink folder {folder} cannot be written: {problem}",
                      "Make it writable by this user, or set delivery.sink_dir to a folder that is")
    return passed(name, f"{folder}{'' if folder.is_dir() else ' (made on the first message)'} is writable")


# SMTP


def check_smtp(settings: Settings) -> Check:
    name = "email (smtp)"
    s = settings.smtp
    try:
        config = SmtpConfig(s.host, s.port, s.sender, s.username,
                            s.password.get_secret_value() if s.password else None, s.security, s.timeout,
                            settings.resolve(s.ca_file) if s.ca_file else None)
    except ValueError as exc:
        return failed(name, f"the [smtp] settings cannot work: {exc}", _smtp_setting_fix(str(exc)))
    context = tls_context(config.ca_file, "smtp.ca_file")
    if isinstance(context, Check):
        return Check(name, context.ok, context.detail)
    try:
        done = _smtp_session(config, context)
    except _SmtpRefusal as refusal:
        return failed(name, refusal.what, refusal.fix)
    except (smtplib.SMTPException, OSError) as exc:
        return failed(name, *_smtp_failure(exc, config))
    return passed(name, f"{config.host}:{config.port}: {done}; no mail sent")


def _smtp_failure(exc: smtplib.SMTPException | OSError, config: SmtpConfig) -> tuple[str, str]:
    """What went wrong talking to the SMTP server, and how to fix it (never the password)."""
    where = f"{config.host}:{config.port}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return (f"{where} refused the login as {config.username!r} ({exc.smtp_code})",
                "Check smtp.username and smtp.password (CHECKER_SMTP__PASSWORD or the file "
                f"{secret_file('smtp__password')})")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return (f"{where} offers no AUTH after STARTTLS, but smtp.username is set",
                "Remove smtp.username if the relay takes mail without a login, or enable AUTH on it")
    if isinstance(exc, smtplib.SMTPResponseException):
        return (f"{where} answered {exc.smtp_code} {_short(exc.smtp_error)}",
                "Check smtp.host and smtp.port, and that the server accepts this machine")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return (f"{where} closed the connection",
                "Check smtp.port and smtp.security (\"starttls\": usually port 587; \"tls\": usually 465)")
    if isinstance(exc, smtplib.SMTPException):
        return (f"SMTP failed at {where}: {exc.__class__.__name__}",
                "Check smtp.username, smtp.password and the login methods the server offers")
    return connection_problem(exc, config.host, config.port, "SMTP server", "smtp")


class _SmtpRefusal(smtplib.SMTPException):
    """The server is not safe to use (no STARTTLS): what is wrong and the fix."""

    def __init__(self, what: str, fix: str) -> None:
        super().__init__(what)
        self.what = what
        self.fix = fix


def _smtp_session(config: SmtpConfig, context: ssl.SSLContext) -> str:
    """Connect, EHLO, STARTTLS, EHLO, AUTH, QUIT: what was done. Sends no mail."""
    smtp: smtplib.SMTP
    if config.security == "tls":
        smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
    else:
        smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    steps = ["implicit TLS" if config.security == "tls" else "connected"]
    try:
        _hello(smtp)
        if config.security == "starttls":
            if not smtp.has_extn("starttls"):
                raise _SmtpRefusal(
                    f"{config.host}:{config.port} does not offer STARTTLS; checker never sends mail in clear text",
                    "Enable STARTTLS on the server, or set smtp.security = \"tls\" with its implicit-TLS port "
                    "(usually 465)")
            smtp.starttls(context=context)
            _hello(smtp)
            steps.append("STARTTLS")
        if config.username:
            smtp.login(config.username, config.password or "")
            steps.append(f"logged in as {config.username}")
        else:
            steps.append("no login (smtp.username not set)")
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
    return ", ".join(steps)


def _hello(smtp: smtplib.SMTP) -> None:
    code, reply = smtp.ehlo()
    if code != 250:
        raise smtplib.SMTPHeloError(code, reply)


def _short(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())[:160]


def _smtp_setting_fix(message: str) -> str:
    if "password" in message:
        return (f"Set the password: CHECKER_SMTP__PASSWORD, or the file {secret_file('smtp__password')}; or "
                "remove smtp.username if the relay needs no login")
    if "sender" in message:
        return "Set smtp.sender to the address mail comes from, e.g. \"Checker <checker@council.example>\""
    return "Correct the [smtp] setting the message names"


# Connections (SMTP, TLS probes)


