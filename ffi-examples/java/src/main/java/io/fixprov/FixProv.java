package io.fixprov;

import java.nio.charset.StandardCharsets;

/**
 * The fixprov library from Java: status constants mirroring {@code include/fixprov.h}, the version,
 * and the native methods of the JNI companion library ({@code libfixprov_jni.so}, which links
 * {@code libfixprov.so}).
 *
 * <p>Start with {@link Engine#open(EngineOptions)}. The library is loaded when this class is first
 * used: from the absolute path in the system property {@code fixprov.jni.library} if set, otherwise
 * with {@code System.loadLibrary("fixprov_jni")} (so from {@code java.library.path}).
 *
 * <p>The native methods are package-private: their arguments are raw handles (an engine pointer as a
 * {@code long}) and UTF-8 byte arrays, and only {@link Engine}, {@link Session} and
 * {@link EngineOptions} call them, after checking that the engine is open.
 */
public final class FixProv {
    private FixProv() {}

    // ---- fixprov_status: values below 100 are check verdicts, 100-199 errors, 200-299 logon refusals.

    /** Success; for a check: the message is admitted. */
    public static final int OK = 0;
    /** The message is over its tier's rate: reject it (BusinessMessageReject), keep the session. */
    public static final int THROTTLED = 1;
    /** Violations escalated past the tier's threshold: log the session out. */
    public static final int DISCONNECT = 2;
    /** The session was killed (operator, revocation, suspension, expiry): log it out. */
    public static final int KILLED = 3;
    /** A required pointer argument was NULL. */
    public static final int ERR_NULL = 100;
    /** An argument was out of range or malformed. */
    public static final int ERR_INVALID_ARGUMENT = 101;
    /** A string argument was not valid UTF-8. */
    public static final int ERR_UTF8 = 102;
    /** The named user, tier or object does not exist. */
    public static final int ERR_NOT_FOUND = 103;
    /** A limit was reached: the user's max sessions, the session table or the tier table. */
    public static final int ERR_LIMIT_REACHED = 104;
    /** The session handle is closed or was never issued. */
    public static final int ERR_STALE_HANDLE = 105;
    /** A panic inside the library was caught; the engine remains usable. */
    public static final int ERR_PANIC = 106;
    /** An internal failure (for example a thread that could not start). */
    public static final int ERR_INTERNAL = 107;
    /** The user or object already exists. */
    public static final int ERR_ALREADY_EXISTS = 108;
    /** Not allowed in the current state. */
    public static final int ERR_INVALID_STATE = 109;
    /** The master password does not unlock the store. */
    public static final int ERR_WRONG_MASTER_PASSWORD = 110;
    /** The store failed an integrity check. */
    public static final int ERR_CORRUPT = 111;
    /** The store could not be read or written; nothing was acknowledged. */
    public static final int ERR_STORAGE = 112;
    /** The user does not qualify for FIX access; the message lists every failing rule. */
    public static final int ERR_NOT_ELIGIBLE = 113;
    /** Logon refused: wrong password or Username (1409=5). */
    public static final int LOGON_BAD_CREDENTIALS = 200;
    /** Logon refused: unknown SenderCompID or wrong TargetCompID (1409=5). */
    public static final int LOGON_UNKNOWN_COMP_ID = 201;
    /** Logon refused: the user is suspended (1409=6). */
    public static final int LOGON_SUSPENDED = 202;
    /** Logon refused: the credential is revoked (1409=6). */
    public static final int LOGON_REVOKED = 203;
    /** Logon refused: the credential expired (1409=8). */
    public static final int LOGON_EXPIRED = 204;
    /** Logon refused: the peer address is not on the user's allow-list (1409=7). */
    public static final int LOGON_IP_NOT_ALLOWED = 205;
    /** Logon refused: the user has all the sessions its tier allows (1409=7). */
    public static final int LOGON_SESSION_LIMIT = 206;
    /** Logon refused: too many failed attempts for the user or from the address (1409=6). */
    public static final int LOGON_LOCKED_OUT = 207;
    /** Logon refused: the account no longer qualifies (1409=7). */
    public static final int LOGON_NOT_ELIGIBLE = 208;
    /** Logon refused: too many logon attempts for the SenderCompID in a short time (1409=7). */
    public static final int LOGON_TOO_MANY_LOGONS = 209;
    public static final int LOGON_UNAVAILABLE = 210;
    public static final int LOGON_SIGNATURE_REQUIRED = 211;
    public static final int LOGON_BAD_SIGNATURE = 212;
    public static final int LOGON_STALE_SIGNATURE = 213;
    public static final int LOGON_REPLAYED_SIGNATURE = 214;
    public static final int LOGON_COUNTRY_NOT_ALLOWED = 215;

    // ---- fixprov_msg_class
    /** Counts against messages/sec only. */
    public static final int MSG_OTHER = 0;
    /** Counts against orders/sec and messages/sec. */
    public static final int MSG_ORDER = 1;

    // ---- fixprov_check_mode
    /** Any thread, several at once (the default): buckets by compare-and-swap. */
    public static final int MODE_SHARED = 0;
    /** One thread at a time (the host's promise): no locked instruction per check. */
    public static final int MODE_SINGLE_OWNER = 1;
    /** A single owner whose overlapping checks are detected and counted. */
    public static final int MODE_SINGLE_OWNER_WATCHED = 2;

    // ---- fixprov_clock
    /** A ticker thread refreshes the time every tick; a check costs one load (default, 500 us). */
    public static final int CLOCK_COARSE = 0;
    /** Read the TSC on every check. */
    public static final int CLOCK_PRECISE = 1;

    // ---- fixprov_kill_reason
    public static final int KILL_NONE = 0;
    public static final int KILL_ADMIN = 1;
    public static final int KILL_USER = 2;
    public static final int KILL_REVOKED = 3;
    public static final int KILL_SUSPENDED = 4;
    public static final int KILL_EXPIRED = 5;
    public static final int KILL_SHUTDOWN = 6;

    // ---- fixprov_event_kind
    /** A session was killed by a call other than a check: log the peer out now. */
    public static final int EVENT_SESSION_KILLED = 1;

    // ---- the header this binding mirrors
    public static final int VERSION_MAJOR = 0;
    public static final int VERSION_MINOR = 1;
    public static final int VERSION_PATCH = 0;
    public static final String VERSION_STRING = "0.1.0";

    /** True for a check verdict (OK, THROTTLED, DISCONNECT, KILLED). */
    public static boolean isVerdict(int status) {
        return status >= 0 && status < 100;
    }

    /** True for an error status (100 to 199). */
    public static boolean isError(int status) {
        return status >= 100 && status < 200;
    }

    /** True for a logon refusal (200 to 299). */
    public static boolean isLogonRefusal(int status) {
        return status >= 200 && status < 300;
    }

    /** The library's short name for a status ({@code fixprov_status_str}); "unknown status" if unknown. */
    public static String statusName(int status) {
        return statusStr(status);
    }

    /** The loaded library's version ({@code fixprov_version}), "MAJOR.MINOR.PATCH". */
    public static String version() {
        return nativeVersion();
    }

    /** The JNI library's view of the header version it was compiled against. */
    public static String headerVersion() {
        return nativeHeaderVersion();
    }

    static {
        String path = System.getProperty("fixprov.jni.library");
        if (path != null && !path.isEmpty()) {
            System.load(path);
        } else {
            System.loadLibrary("fixprov_jni");
        }
    }

    static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(byte[] utf8) {
        return utf8 == null ? null : new String(utf8, StandardCharsets.UTF_8);
    }

    /** Called by the JNI library for every event; never lets an exception reach native code. */
    static void dispatchEvent(EventListener listener, int kind, int reason, long session, byte[] user) {
        try {
            listener.onEvent(new SessionEvent(kind, reason, session, string(user)));
        } catch (Throwable t) {
            Thread th = Thread.currentThread();
            try {
                th.getUncaughtExceptionHandler().uncaughtException(th, t);
            } catch (Throwable ignored) {
                // nothing more can be done on a native thread
            }
        }
    }

    // ---- native methods (fixprov_jni.c). Handles: engine and options pointers as long, session u64
    // ---- as long; strings as UTF-8 byte[] (null = (NULL, 0)). Cold-path errors throw FixProvException.

    static native String nativeVersion();
    static native String nativeHeaderVersion();
    static native String statusStr(int status);

    static native long optionsNew();
    static native void optionsFree(long options);
    static native void optionsSetMaxSessions(long options, int maxSessions);
    static native void optionsSetClock(long options, int clock, int tickUs);
    static native void optionsSetOrderMsgTypes(long options, byte[] list);
    static native void optionsSetDataDir(long options, byte[] path);

    static native void optionsSetDatabaseUrl(long options, byte[] url);

    static native void optionsSetFleet(long options, byte[] gatewayId, int leaseExpiryMs, int leaseGraceMs);
    static native void optionsSetMasterPassword(long options, byte[] password);
    static native void optionsSetCompIds(long options, byte[] targetCompId, byte[] senderCompIdPrefix);
    static native void optionsSetPbkdf2Iterations(long options, int iterations);
    static native void optionsSetEligibility(long options, int defaultRules, int logonCheck);

    static native long engineOpen(long options);
    static native void engineClose(long engine);

    static native long sessionOpen(long engine, byte[] user);
    static native int sessionClose(long engine, long session);
    static native void sessionKill(long engine, long session);
    static native long userKill(long engine, byte[] user);
    static native void sessionStats(long engine, long session, long[] out7);
    static native void sessionResetViolations(long engine, long session);
    static native long userViolations(long engine, byte[] user);
    static native void userResetViolations(long engine, byte[] user);

    // hot path: primitives in, status out; no exception, no allocation
    static native int check(long engine, long session, int msgClass);
    static native int checkAt(long engine, long session, int msgClass, long nowNs);
    static native int checkMsgTypePacked(long engine, long session, long packedMsgType);
    static native int checkMsgTypeBytes(long engine, long session, byte[] msgType);
    static native int checkBatch(long engine, long session, int[] msgClasses, int n, int[] outStatuses);
    static native void prefetch(long engine, long session);
    static native void sessionSetMode(long engine, long session, int mode);
    static native void optionsSetSingleOwner(long options, int on, int watch);
    static native void optionsSetCompIdPool(long options, int size);
    static native void optionsSetLogonRate(long options, int attempts, int windowMs);
    static native void optionsSetLogonWindow(long options, int backMs, int aheadMs);
    static native void optionsSetGeoip(long options, byte[] path, int unknownAllowed);
    static native int checkWeighted(long engine, long session, int msgClass, int weight);

    static native void tierSet(long engine, byte[] name, long ordersPerSec, long messagesPerSec,
            long orderBurst, long messageBurst, int maxSessions, int escalationThreshold,
            int escalationWindowMs);
    static native void tierGet(long engine, byte[] name, long[] out7);
    static native void userSetTier(long engine, byte[] user, byte[] tier);

    static native byte[][] provision(long engine, byte[] user, byte[] tier);
    static native void revoke(long engine, byte[] user);
    static native void suspend(long engine, byte[] user);
    static native void reactivate(long engine, byte[] user);
    static native byte[] regeneratePassword(long engine, byte[] user, int overlapSecs);
    static native void setExpiry(long engine, byte[] user, long expiresUnixMs);
    static native void ipAllow(long engine, byte[] user, byte[] rule);
    static native void ipDisallow(long engine, byte[] user, byte[] rule);
    static native byte[] credentialsGet(long engine, byte[] user);
    static native int logon(long engine, byte[] senderCompId, byte[] targetCompId, byte[] password,
            byte[] username, byte[] peerIp, long[] outSession, int[] outSessionStatus,
            String[] outText);
    static native void masterPasswordChange(long engine, byte[] newPassword);
    static native int logonSigned(long engine, byte[] senderCompId, byte[] targetCompId, byte[] password,
            byte[] peerIp, byte[] msgType, long msgSeqNum, byte[] sendingTime, byte[] rawData, byte[] keyId,
            long[] outSession, int[] outSessionStatus, String[] outText);
    static native byte[] keyAddEd25519(long engine, byte[] user, byte[] publicKey, long expiresUnixMs);
    /** {key id, secret}; the secret's native copy is wiped. */
    static native byte[][] keyGenerateHmac(long engine, byte[] user, long expiresUnixMs);
    static native void keyRevoke(long engine, byte[] user, byte[] keyId);
    static native void logonPolicySet(long engine, byte[] user, byte[] policy);
    static native void tierSetLogonPolicy(long engine, byte[] tier, byte[] policy);
    static native void countryRuleSet(long engine, byte[] user, byte[] ruleJson);
    static native void tierCountryRuleSet(long engine, byte[] tier, byte[] ruleJson);

    static native byte[] adminRequest(long engine, byte[] method, byte[] path, byte[] body, int[] outHttpStatus);
    static native int adminStart(long engine, byte[] bindAddr, byte[] tokensJson, int allowRemote);
    static native void adminStop(long engine);

    static native void accountSet(long engine, byte[] user, byte[] facts);
    static native byte[] evaluate(long engine, byte[] user);
    static native void ruleAdd(long engine, byte[] document);
    static native void ruleChange(long engine, byte[] ruleId, int action);
    static native byte[] rulesJson(long engine, int which);
    static native void overrideSet(long engine, byte[] user, byte[] ruleId, byte[] overrideJson);
    static native void bypassSet(long engine, byte[] user, byte[] grantedBy, byte[] reason);
    static native void tierRulesSet(long engine, byte[] documents);
    static native byte[] reevaluate(long engine, int suspend);

    static native byte[] sessionsJson(long engine, byte[] user);
    static native byte[] auditVerify(long engine);
    static native byte[] auditQuery(long engine, byte[] filter);
    static native byte[] statsJson(long engine);

    /** Registers listener (null removes it); returns the native context to free after close, or 0. */
    static native long setEventListener(long engine, EventListener listener);
    static native void freeListenerContext(long context);

    // benchmark helpers: the cost of the JNI transition alone, and a loop of checks inside C
    static native void noop();
    static native int noopArgs(long engine, long session, int msgClass);
    static native long nativeCheckLoop(long engine, long session, int kind, long t0, long iterations);
}
