package io.fixprov;

/**
 * The outcome of {@link Engine#logon}: either an accepted {@link Session}, or a refusal with its
 * status ({@code FixProv.LOGON_*}), the FIX SessionStatus (tag 1409) and a text safe to send to the
 * peer as tag 58.
 */
public final class LogonResult {
    private final int status;
    private final Session session;
    private final int sessionStatus;
    private final String text;

    private LogonResult(int status, Session session, int sessionStatus, String text) {
        this.status = status;
        this.session = session;
        this.sessionStatus = sessionStatus;
        this.text = text;
    }

    static LogonResult accepted(Session session) {
        return new LogonResult(FixProv.OK, session, 0, null);
    }

    static LogonResult refused(int status, int sessionStatus, String text) {
        return new LogonResult(status, null, sessionStatus, text);
    }

    public boolean accepted() {
        return status == FixProv.OK;
    }

    /** {@link FixProv#OK}, or the {@code FixProv.LOGON_*} refusal. */
    public int status() {
        return status;
    }

    /** The accepted session; an IllegalStateException for a refusal. */
    public Session session() {
        if (session == null) {
            throw new IllegalStateException("logon refused: " + this);
        }
        return session;
    }

    /** The FIX SessionStatus (1409) of a refusal; 0 when accepted. */
    public int sessionStatus() {
        return sessionStatus;
    }

    /** The text of a refusal (tag 58); null when accepted. */
    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return accepted() ? "LogonResult[accepted " + session + "]"
                : "LogonResult[" + FixProv.statusName(status) + ", 1409=" + sessionStatus + ", 58=\"" + text + "\"]";
    }
}
