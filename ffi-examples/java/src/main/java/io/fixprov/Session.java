package io.fixprov;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An open session: a 64-bit generation-checked handle on an {@link Engine}. Closing it frees its
 * slot; a closed handle answers {@link FixProv#ERR_STALE_HANDLE}, never undefined behaviour.
 * {@link #close()} is idempotent, and a no-op once the engine is closed (closing the engine ends all
 * of its sessions).
 *
 * <p>Checks take primitives and return an int status ({@link Verdict#of(int)} maps it to an enum
 * without allocation). Check a session from one thread at a time, as FIX engines do: admission is
 * exact under any concurrency, the admitted counters only with one thread per session.
 */
public final class Session implements AutoCloseable {
    private final Engine engine;
    private final long handle;
    private final AtomicBoolean closed = new AtomicBoolean();

    Session(Engine engine, long handle) {
        this.engine = engine;
        this.handle = handle;
    }

    /** The raw handle, for {@link Engine#check(long, boolean)} and the admin routes (a u64: print
     * it with Long.toUnsignedString). */
    public long handle() {
        return handle;
    }

    public Engine engine() {
        return engine;
    }

    /** One inbound message at the engine's clock: an order (orders/sec and messages/sec) or not. */
    public int check(boolean isOrder) {
        return engine.check(handle, isOrder);
    }

    /** One inbound message at the caller's time in nanoseconds (one time base per session). */
    public int checkAt(boolean isOrder, long nowNs) {
        return engine.checkAt(handle, isOrder, nowNs);
    }

    /** One inbound message by its MsgType packed with {@link MsgType#pack}. */
    public int checkMsgType(long packedMsgType) {
        return engine.checkMsgType(handle, packedMsgType);
    }

    /** One inbound message by a one-character MsgType. */
    public int checkMsgType(char msgType) {
        return engine.checkMsgType(handle, msgType);
    }

    /** Messages read together: see {@link Engine#checkBatch}. */
    public int checkBatch(int[] msgClasses, int n, int[] outStatuses) {
        return engine.checkBatch(handle, msgClasses, n, outStatuses);
    }

    /** A hint: brings this session's hot line into the cache ahead of its check. */
    public void prefetch() {
        engine.prefetch(handle);
    }

    /** Who may check this session ({@code FixProv.MODE_*}); call it between checks. */
    public void setMode(int mode) {
        engine.setSessionMode(handle, mode);
    }

    public void kill() {
        engine.killSession(handle);
    }

    public SessionStats stats() {
        return engine.sessionStats(handle);
    }

    public void resetViolations() {
        engine.resetViolations(handle);
    }

    /** True once {@link #close()} ran on this object. */
    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            engine.closeSession(handle);
        }
    }

    @Override
    public String toString() {
        return "Session[" + Long.toUnsignedString(handle, 16) + "]";
    }
}
