package io.fixprov;

/**
 * Told when a session is killed by a call other than a check (an operator, a revocation, a
 * suspension, an expiry), so the host can log an idle peer out at once.
 *
 * <p>It runs on the thread whose call raised the event: a Java thread calling the engine, or, for
 * expiries, the engine's native housekeeping thread (attached to the JVM for the call). It may call
 * the engine (for example {@link Session#close()}), but never {@link Engine#close()}. An exception it
 * throws goes to the thread's uncaught-exception handler and never reaches the library.
 */
@FunctionalInterface
public interface EventListener {
    void onEvent(SessionEvent event);
}
