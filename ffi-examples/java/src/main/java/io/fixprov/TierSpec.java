package io.fixprov;

/**
 * A rate-limit tier ({@code fixprov_tier_spec}). Rates are per second; a rate of 0 admits nothing.
 * Unsigned C fields are carried in Java's signed types: every valid value fits.
 *
 * @param ordersPerSec orders admitted per second (order MsgTypes)
 * @param messagesPerSec messages admitted per second (every inbound message)
 * @param orderBurst orders a full bucket holds
 * @param messageBurst messages a full bucket holds
 * @param maxSessions sessions one user may have open at once
 * @param escalationThreshold violations allowed within the window before DISCONNECT; 0 disables
 * @param escalationWindowMs the escalation window in milliseconds
 */
public record TierSpec(long ordersPerSec, long messagesPerSec, long orderBurst, long messageBurst,
        int maxSessions, int escalationThreshold, int escalationWindowMs) {

    /** A tier without escalation. */
    public static TierSpec of(long ordersPerSec, long messagesPerSec, long orderBurst, long messageBurst,
            int maxSessions) {
        return new TierSpec(ordersPerSec, messagesPerSec, orderBurst, messageBurst, maxSessions, 0, 0);
    }
}
