package io.fixprov;

/**
 * A check's answer as an enum, mapped from the int status without allocation ({@link #of(int)}).
 * The check methods themselves return the int, so a hot loop can switch on it directly.
 */
public enum Verdict {
    /** Process the message. */
    OK,
    /** Reject it (35=j BusinessMessageReject), keep the session. */
    THROTTLED,
    /** Log the session out: violations escalated. */
    DISCONNECT,
    /** Log the session out: it was killed. */
    KILLED,
    /** The session handle is closed or was never issued. */
    STALE_HANDLE,
    /** Any other status (a malformed MsgType, an unknown class, ...): see FixProv.statusName(int). */
    ERROR;

    /** The verdict for a status returned by a check. */
    public static Verdict of(int status) {
        switch (status) {
            case FixProv.OK: return OK;
            case FixProv.THROTTLED: return THROTTLED;
            case FixProv.DISCONNECT: return DISCONNECT;
            case FixProv.KILLED: return KILLED;
            case FixProv.ERR_STALE_HANDLE: return STALE_HANDLE;
            default: return ERROR;
        }
    }

    /** True when the host should log the session out (DISCONNECT, KILLED or a stale handle). */
    public boolean logsOut() {
        return this == DISCONNECT || this == KILLED || this == STALE_HANDLE;
    }
}
