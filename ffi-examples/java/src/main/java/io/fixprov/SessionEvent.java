package io.fixprov;

/**
 * An event ({@code fixprov_event}).
 *
 * @param kind a {@code FixProv.EVENT_*} value
 * @param reason a {@code FixProv.KILL_*} value
 * @param session the session's handle
 * @param userId the session's user id
 */
public record SessionEvent(int kind, int reason, long session, String userId) {}
