package io.fixprov;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A fixprov engine ({@code fixprov_engine *}): tiers, users, credentials, sessions and the
 * per-message check. Thread-safe, except as said for {@link #close()}.
 *
 * <p>Errors on the cold path (provisioning, tiers, admin, ...) throw {@link FixProvException} with the
 * status and the library's error text. The per-message checks return an int status and never throw,
 * except {@link IllegalStateException} once the engine is closed.
 *
 * <p>Closing: {@link #close()} is idempotent; afterwards every method throws
 * {@link IllegalStateException} ("engine is closed") instead of touching freed memory, and
 * {@link Session#close()} is a no-op. Cold-path calls in flight on other threads are waited for.
 * The per-message checks are not guarded (that would cost every message an atomic operation): as in
 * C, no thread may be inside a check of this engine while it closes. Never close the engine from an
 * {@link EventListener}.
 */
public final class Engine implements AutoCloseable {
    /** The native engine pointer; 0 once closed. */
    private volatile long handle;
    /** Cold-path calls hold the read lock (tryLock only, never blocking); close takes the write lock. */
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Object closeMonitor = new Object();
    /** Native listener contexts, freed after the engine closes (a replaced one may still be running). */
    private final List<Long> listenerContexts = new ArrayList<>();

    private Engine(long handle) {
        this.handle = handle;
    }

    /** Opens an engine with the given options (null for the defaults: in memory). */
    public static Engine open(EngineOptions options) {
        long o = options == null ? 0 : options.toNative();
        try {
            return new Engine(FixProv.engineOpen(o));
        } finally {
            if (o != 0) FixProv.optionsFree(o);
        }
    }

    /** Opens an engine in memory with the default options. */
    public static Engine openInMemory() {
        return open(null);
    }

    /** The native engine pointer (0 once closed), for the benchmark's direct rows. */
    long nativeHandle() {
        return handle;
    }

    /** True until {@link #close()}. */
    public boolean isOpen() {
        return handle != 0;
    }

    private static IllegalStateException closed() {
        return new IllegalStateException("fixprov engine is closed");
    }

    private long enter() {
        if (!lock.readLock().tryLock()) {
            throw closed(); // the write lock is held: close() is running
        }
        long h = handle;
        if (h == 0) {
            lock.readLock().unlock();
            throw closed();
        }
        return h;
    }

    private void exit() {
        lock.readLock().unlock();
    }

    private static byte[] utf8(String s) {
        return FixProv.utf8(s);
    }

    private static byte[] required(String what, String s) {
        return utf8(Objects.requireNonNull(s, what));
    }

    // ------------------------------------------------------------------ hot path

    /** One inbound message on session at the engine's clock. Returns a status (FixProv.OK, ...). */
    public int check(long session, boolean isOrder) {
        long h = handle;
        if (h == 0) throw closed();
        return FixProv.check(h, session, isOrder ? FixProv.MSG_ORDER : FixProv.MSG_OTHER);
    }

    /** As {@link #check(long, boolean)} with a {@code FixProv.MSG_*} class. */
    public int check(long session, int msgClass) {
        long h = handle;
        if (h == 0) throw closed();
        return FixProv.check(h, session, msgClass);
    }

    /**
     * The first {@code n} messages of {@code msgClasses} ({@code FixProv.MSG_*}), read together from
     * one session, decided as that many checks at one instant; {@code outStatuses[i]} receives
     * message i's verdict. Returns {@link FixProv#OK}, or an error status (an unknown class, a stale
     * handle: nothing decided, nothing written). No exception, no allocation.
     *
     * @throws IndexOutOfBoundsException when {@code n} is negative or exceeds either array
     */
    public int checkBatch(long session, int[] msgClasses, int n, int[] outStatuses) {
        long h = handle;
        if (h == 0) throw closed();
        java.util.Objects.checkFromIndexSize(0, n, msgClasses.length);
        java.util.Objects.checkFromIndexSize(0, n, outStatuses.length);
        return FixProv.checkBatch(h, session, msgClasses, n, outStatuses);
    }

    /** Brings a session's hot line into the cache ahead of its check; a hint, never fails. */
    public void prefetch(long session) {
        long h = handle;
        if (h != 0) FixProv.prefetch(h, session);
    }

    /** Who may check a session ({@code FixProv.MODE_*}); call it between checks of the session. */
    public void setSessionMode(long session, int mode) {
        long h = enter();
        try {
            FixProv.sessionSetMode(h, session, mode);
        } finally {
            exit();
        }
    }

    /** One inbound message at the caller's time in nanoseconds (any monotonic base; one per session). */
    public int checkAt(long session, boolean isOrder, long nowNs) {
        long h = handle;
        if (h == 0) throw closed();
        return FixProv.checkAt(h, session, isOrder ? FixProv.MSG_ORDER : FixProv.MSG_OTHER, nowNs);
    }

    /**
     * One inbound message of {@code weight} tokens (0 to 255) in each bucket it counts in: for a host
     * that weighs messages itself (the orders of a NewOrderList). 1 is {@link #checkAt}'s plain
     * check, 0 takes no token; a weight out of range answers {@link FixProv#ERR_INVALID_ARGUMENT}.
     */
    public int checkWeighted(long session, boolean isOrder, int weight) {
        long h = handle;
        if (h == 0) throw closed();
        return FixProv.checkWeighted(h, session, isOrder ? FixProv.MSG_ORDER : FixProv.MSG_OTHER, weight);
    }

    /** One inbound message by its MsgType, packed with {@link MsgType#pack} (classified by the engine). */
    public int checkMsgType(long session, long packedMsgType) {
        long h = handle;
        if (h == 0) throw closed();
        return FixProv.checkMsgTypePacked(h, session, packedMsgType);
    }

    /** One inbound message by a one-character MsgType ('D', '0', ...). */
    public int checkMsgType(long session, char msgType) {
        long h = handle;
        if (h == 0) throw closed();
        return FixProv.checkMsgTypePacked(h, session, MsgType.pack(msgType));
    }

    /**
     * One inbound message by its MsgType as ASCII bytes (1 to 16; the array is not kept). Up to 8
     * bytes are packed into a long here, in Java: reading a Java array from C costs a JNI call of its
     * own (about 20 ns), packing costs about 1.
     */
    public int checkMsgType(long session, byte[] msgType) {
        long h = handle;
        if (h == 0) throw closed();
        if (msgType != null && msgType.length >= 1 && msgType.length <= 8) {
            long packed = 0;
            int i = 0;
            for (; i < msgType.length && msgType[i] != 0; i++) {
                packed |= (msgType[i] & 0xffL) << (8 * i);
            }
            if (i == msgType.length) {
                return FixProv.checkMsgTypePacked(h, session, packed);
            }
        }
        return FixProv.checkMsgTypeBytes(h, session, msgType); // NUL bytes, long or empty: C decides
    }

    // ------------------------------------------------------------------ sessions

    /** Opens a session for an existing user on the user's tier (without a logon). */
    public Session openSession(String user) {
        long h = enter();
        try {
            return new Session(this, FixProv.sessionOpen(h, required("user", user)));
        } finally {
            exit();
        }
    }

    /** Closes a session handle; returns its status (OK or ERR_STALE_HANDLE); a no-op once closed. */
    int closeSession(long session) {
        if (!lock.readLock().tryLock()) return FixProv.OK; // the engine is closing: handles are gone
        try {
            long h = handle;
            return h == 0 ? FixProv.OK : FixProv.sessionClose(h, session);
        } finally {
            exit();
        }
    }

    /** Kills a session: its next check answers KILLED, and the event listener is told. */
    public void killSession(long session) {
        long h = enter();
        try {
            FixProv.sessionKill(h, session);
        } finally {
            exit();
        }
    }

    /** Kills every live session of a user; returns how many this call killed. */
    public long killUser(String user) {
        long h = enter();
        try {
            return FixProv.userKill(h, required("user", user));
        } finally {
            exit();
        }
    }

    public SessionStats sessionStats(long session) {
        long h = enter();
        try {
            long[] s = new long[7];
            FixProv.sessionStats(h, session, s);
            return new SessionStats(s[0], s[1], s[2], s[3], s[4], (int) s[5], s[6] != 0);
        } finally {
            exit();
        }
    }

    public void resetViolations(long session) {
        long h = enter();
        try {
            FixProv.sessionResetViolations(h, session);
        } finally {
            exit();
        }
    }

    /** THROTTLED plus DISCONNECT answers over the user's live and closed sessions. */
    public long userViolations(String user) {
        long h = enter();
        try {
            return FixProv.userViolations(h, required("user", user));
        } finally {
            exit();
        }
    }

    public void resetUserViolations(String user) {
        long h = enter();
        try {
            FixProv.userResetViolations(h, required("user", user));
        } finally {
            exit();
        }
    }

    // ------------------------------------------------------------------ tiers

    /** Defines or changes a tier; live sessions on it enforce the change from their next message. */
    public void setTier(String name, TierSpec spec) {
        Objects.requireNonNull(spec, "spec");
        long h = enter();
        try {
            FixProv.tierSet(h, required("name", name), spec.ordersPerSec(), spec.messagesPerSec(),
                    spec.orderBurst(), spec.messageBurst(), spec.maxSessions(), spec.escalationThreshold(),
                    spec.escalationWindowMs());
        } finally {
            exit();
        }
    }

    public TierSpec tier(String name) {
        long h = enter();
        try {
            long[] s = new long[7];
            FixProv.tierGet(h, required("name", name), s);
            return new TierSpec(s[0], s[1], s[2], s[3], (int) s[4], (int) s[5], (int) s[6]);
        } finally {
            exit();
        }
    }

    /** Puts a user on a tier, creating the user if new. */
    public void setUserTier(String user, String tier) {
        long h = enter();
        try {
            FixProv.userSetTier(h, required("user", user), required("tier", tier));
        } finally {
            exit();
        }
    }

    // ------------------------------------------------------------------ credentials and logon

    /** Provisions a user on a tier (null: "basic"); the password is returned this once. */
    public Credentials provision(String user, String tier) {
        long h = enter();
        try {
            byte[][] out = FixProv.provision(h, required("user", user), utf8(tier));
            return new Credentials(user, FixProv.string(out[0]), FixProv.string(out[1]), out[2]);
        } finally {
            exit();
        }
    }

    public void revoke(String user) {
        long h = enter();
        try {
            FixProv.revoke(h, required("user", user));
        } finally {
            exit();
        }
    }

    /** Suspends a user: logons fail and live sessions are killed until {@link #reactivate}. */
    public void suspend(String user) {
        long h = enter();
        try {
            FixProv.suspend(h, required("user", user));
        } finally {
            exit();
        }
    }

    public void reactivate(String user) {
        long h = enter();
        try {
            FixProv.reactivate(h, required("user", user));
        } finally {
            exit();
        }
    }

    /** A new password (returned this once; wipe it); the old one stops now or after overlapSecs. */
    public byte[] regeneratePassword(String user, int overlapSecs) {
        long h = enter();
        try {
            return FixProv.regeneratePassword(h, required("user", user), overlapSecs);
        } finally {
            exit();
        }
    }

    /** When the credential expires, ms since the Unix epoch; 0 means never. */
    public void setExpiry(String user, long expiresUnixMs) {
        long h = enter();
        try {
            FixProv.setExpiry(h, required("user", user), expiresUnixMs);
        } finally {
            exit();
        }
    }

    public void ipAllow(String user, String rule) {
        long h = enter();
        try {
            FixProv.ipAllow(h, required("user", user), required("rule", rule));
        } finally {
            exit();
        }
    }

    public void ipDisallow(String user, String rule) {
        long h = enter();
        try {
            FixProv.ipDisallow(h, required("user", user), required("rule", rule));
        } finally {
            exit();
        }
    }

    /** The user's credential, everything but the secret, as JSON. */
    public String credentialsJson(String user) {
        long h = enter();
        try {
            return FixProv.string(FixProv.credentialsGet(h, required("user", user)));
        } finally {
            exit();
        }
    }

    /**
     * Validates a Logon (35=A) and opens a session when it passes.
     *
     * @param senderCompId tag 49 as received
     * @param targetCompId tag 56 as received
     * @param password tag 554 as received (not kept; the native copy is wiped)
     * @param username tag 553 if sent, else null
     * @param peerIp the peer address ("203.0.113.7", with or without a port), or null if unknown
     */
    public LogonResult logon(String senderCompId, String targetCompId, byte[] password, String username,
            String peerIp) {
        long h = enter();
        try {
            long[] session = new long[1];
            int[] sessionStatus = new int[1];
            String[] text = new String[1];
            int s = FixProv.logon(h, utf8(senderCompId), utf8(targetCompId), password, utf8(username),
                    utf8(peerIp), session, sessionStatus, text);
            return s == FixProv.OK ? LogonResult.accepted(new Session(this, session[0]))
                    : LogonResult.refused(s, sessionStatus[0], text[0]);
        } finally {
            exit();
        }
    }

    /**
     * Validates a signed Logon (docs/credentials.md): what {@link #logon} does, plus the signature a
     * user on "signature" or "password+signature" must send.
     *
     * @param password tag 554, or null for a user on "signature"
     * @param msgType tag 35 as received ("A")
     * @param msgSeqNum tag 34
     * @param sendingTime tag 52 as received
     * @param rawData tag 96 as received: the signature in standard base64
     * @param keyId the key's id, from tag 553
     */
    public LogonResult logonSigned(String senderCompId, String targetCompId, byte[] password, String peerIp,
            String msgType, long msgSeqNum, String sendingTime, String rawData, String keyId) {
        long h = enter();
        try {
            long[] session = new long[1];
            int[] sessionStatus = new int[1];
            String[] text = new String[1];
            int s = FixProv.logonSigned(h, utf8(senderCompId), utf8(targetCompId), password, utf8(peerIp),
                    utf8(msgType), msgSeqNum, utf8(sendingTime), utf8(rawData), utf8(keyId), session,
                    sessionStatus, text);
            return s == FixProv.OK ? LogonResult.accepted(new Session(this, session[0]))
                    : LogonResult.refused(s, sessionStatus[0], text[0]);
        } finally {
            exit();
        }
    }

    /** Registers an Ed25519 public key (standard base64) for a user's signed logons; returns its id. */
    public String addEd25519Key(String user, String publicKeyBase64, long expiresUnixMs) {
        long h = enter();
        try {
            byte[] id = FixProv.keyAddEd25519(h, required("user", user), required("publicKey", publicKeyBase64),
                    expiresUnixMs);
            return new String(id, java.nio.charset.StandardCharsets.UTF_8);
        } finally {
            exit();
        }
    }

    /**
     * Generates an HMAC-SHA256 key for a user's signed logons: {key id, secret (base64)}, the secret
     * shown this once. Wipe the secret array when done with it.
     */
    public byte[][] generateHmacKey(String user, long expiresUnixMs) {
        long h = enter();
        try {
            return FixProv.keyGenerateHmac(h, required("user", user), expiresUnixMs);
        } finally {
            exit();
        }
    }

    /** Revokes one of a user's logon keys: a logon signed with it is refused from now on. */
    public void revokeKey(String user, String keyId) {
        long h = enter();
        try {
            FixProv.keyRevoke(h, required("user", user), required("keyId", keyId));
        } finally {
            exit();
        }
    }

    /** A user's own logon policy ("password", "signature", "password+signature"); null: its tier's. */
    public void setLogonPolicy(String user, String policy) {
        long h = enter();
        try {
            FixProv.logonPolicySet(h, required("user", user), utf8(policy));
        } finally {
            exit();
        }
    }

    /** What a Logon on a tier must prove ("password", "signature", "password+signature"). */
    public void setTierLogonPolicy(String tier, String policy) {
        long h = enter();
        try {
            FixProv.tierSetLogonPolicy(h, required("tier", tier), required("policy", policy));
        } finally {
            exit();
        }
    }

    /** A user's own country rule as JSON ({"allow": ["FR"], "deny": []}); null: its tier's. */
    public void setCountryRule(String user, String ruleJson) {
        long h = enter();
        try {
            FixProv.countryRuleSet(h, required("user", user), utf8(ruleJson));
        } finally {
            exit();
        }
    }

    /** A tier's country rule as JSON; null removes it. */
    public void setTierCountryRule(String tier, String ruleJson) {
        long h = enter();
        try {
            FixProv.tierCountryRuleSet(h, required("tier", tier), utf8(ruleJson));
        } finally {
            exit();
        }
    }

    /** Re-wraps the store's data key under a new master password. */
    public void changeMasterPassword(byte[] newPassword) {
        long h = enter();
        try {
            FixProv.masterPasswordChange(h, newPassword);
        } finally {
            exit();
        }
    }

    // ------------------------------------------------------------------ admin

    /**
     * Runs one admin route as the HTTP API would (actor "host", role admin), e.g.
     * {@code adminRequest("POST", "/admin/fix/sessions/kill", "{\"session\": 123}")}.
     *
     * @param body a JSON object, or null for none
     */
    public AdminResponse adminRequest(String method, String path, String body) {
        long h = enter();
        try {
            int[] status = new int[1];
            byte[] json = FixProv.adminRequest(h, required("method", method), required("path", path), utf8(body),
                    status);
            return new AdminResponse(status[0], FixProv.string(json));
        } finally {
            exit();
        }
    }

    /** Starts the admin HTTP API; returns the port it listens on. */
    public int adminStart(String bindAddr, String tokensJson, boolean allowRemote) {
        long h = enter();
        try {
            return FixProv.adminStart(h, required("bindAddr", bindAddr), required("tokensJson", tokensJson),
                    allowRemote ? 1 : 0);
        } finally {
            exit();
        }
    }

    public void adminStop() {
        long h = enter();
        try {
            FixProv.adminStop(h);
        } finally {
            exit();
        }
    }

    // ------------------------------------------------------------------ eligibility

    /** Sets a user's account facts (JSON; amounts as strings). */
    public void setAccountFacts(String user, String factsJson) {
        long h = enter();
        try {
            FixProv.accountSet(h, required("user", user), required("factsJson", factsJson));
        } finally {
            exit();
        }
    }

    /** Evaluates a user against the rules now, as JSON. */
    public String evaluate(String user) {
        long h = enter();
        try {
            return FixProv.string(FixProv.evaluate(h, required("user", user)));
        } finally {
            exit();
        }
    }

    public void addRule(String documentJson) {
        long h = enter();
        try {
            FixProv.ruleAdd(h, required("documentJson", documentJson));
        } finally {
            exit();
        }
    }

    /** Rule actions for {@link #changeRule}. */
    public static final int RULE_REMOVE = 0, RULE_ENABLE = 1, RULE_DISABLE = 2;

    public void changeRule(String ruleId, int action) {
        long h = enter();
        try {
            FixProv.ruleChange(h, required("ruleId", ruleId), action);
        } finally {
            exit();
        }
    }

    /** The rules (tierRules false) or tier rules (true) as a JSON array. */
    public String rulesJson(boolean tierRules) {
        long h = enter();
        try {
            return FixProv.string(FixProv.rulesJson(h, tierRules ? 1 : 0));
        } finally {
            exit();
        }
    }

    /** Sets (overrideJson non-null) or clears (null) a user's override of a rule. */
    public void setOverride(String user, String ruleId, String overrideJson) {
        long h = enter();
        try {
            FixProv.overrideSet(h, required("user", user), required("ruleId", ruleId), utf8(overrideJson));
        } finally {
            exit();
        }
    }

    /** Grants a bypass, or withdraws it when grantedBy and reason are both null. */
    public void setBypass(String user, String grantedBy, String reason) {
        long h = enter();
        try {
            FixProv.bypassSet(h, required("user", user), utf8(grantedBy), utf8(reason));
        } finally {
            exit();
        }
    }

    public void setTierRules(String documentsJson) {
        long h = enter();
        try {
            FixProv.tierRulesSet(h, required("documentsJson", documentsJson));
        } finally {
            exit();
        }
    }

    /** Re-evaluates every provisioned user; returns the report as JSON. */
    public String reevaluate(boolean suspend) {
        long h = enter();
        try {
            return FixProv.string(FixProv.reevaluate(h, suspend ? 1 : 0));
        } finally {
            exit();
        }
    }

    // ------------------------------------------------------------------ listings, audit, stats

    /** Open sessions as JSON: every session (user null) or one user's. */
    public String sessionsJson(String user) {
        long h = enter();
        try {
            return FixProv.string(FixProv.sessionsJson(h, utf8(user)));
        } finally {
            exit();
        }
    }

    public String auditVerify() {
        long h = enter();
        try {
            return FixProv.string(FixProv.auditVerify(h));
        } finally {
            exit();
        }
    }

    /** Audit records as JSON lines; filter is a JSON object or null. */
    public String auditQuery(String filterJson) {
        long h = enter();
        try {
            return FixProv.string(FixProv.auditQuery(h, utf8(filterJson)));
        } finally {
            exit();
        }
    }

    public String statsJson() {
        long h = enter();
        try {
            return FixProv.string(FixProv.statsJson(h));
        } finally {
            exit();
        }
    }

    // ------------------------------------------------------------------ events

    /** Registers the event listener, replacing any previous one; null removes it. */
    public void setEventListener(EventListener listener) {
        long h = enter();
        try {
            long context = FixProv.setEventListener(h, listener);
            if (context != 0) {
                synchronized (listenerContexts) {
                    listenerContexts.add(context);
                }
            }
        } finally {
            exit();
        }
    }

    // ------------------------------------------------------------------ close

    /**
     * Closes the engine and every session of it; idempotent. Waits for cold-path calls in flight on
     * other threads; must not race a check on another thread, and must not be called from an
     * {@link EventListener} or from inside another call of this engine.
     */
    @Override
    public void close() {
        if (lock.getReadHoldCount() > 0) {
            throw new IllegalStateException("Engine.close() from inside an engine call or event listener");
        }
        long h;
        synchronized (closeMonitor) {
            h = handle;
            if (h == 0) return;
            handle = 0; // new calls fail from here on
        }
        lock.writeLock().lock(); // wait for the cold-path calls already in flight
        try {
            FixProv.engineClose(h);
            synchronized (listenerContexts) {
                for (long context : listenerContexts) {
                    FixProv.freeListenerContext(context);
                }
                listenerContexts.clear();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "Engine[" + (isOpen() ? "open" : "closed") + "]";
    }
}
