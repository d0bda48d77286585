package io.fixprov;

/**
 * A session's counters and state ({@code fixprov_session_stats}).
 *
 * @param messages messages admitted (orders included)
 * @param orders orders admitted
 * @param throttled checks answered THROTTLED
 * @param disconnects checks answered DISCONNECT
 * @param openedUnixMs wall-clock open time, milliseconds since the Unix epoch
 * @param killReason a {@code FixProv.KILL_*} value; {@link FixProv#KILL_NONE} while alive
 * @param escalated true once violations escalated to DISCONNECT
 */
public record SessionStats(long messages, long orders, long throttled, long disconnects,
        long openedUnixMs, int killReason, boolean escalated) {}
