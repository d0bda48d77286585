package io.fixprov;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Options for {@link Engine#open(EngineOptions)}, applied to a {@code fixprov_options} at open time.
 * Unset values keep the library's defaults. The master password is copied in and wiped by
 * {@link #close()} (and its native copy is wiped when the native options are freed, right after open).
 */
public final class EngineOptions implements AutoCloseable {
    private Path dataDir;
    private byte[] databaseUrl;
    private String gatewayId;
    private Integer leaseExpiryMs;
    private int leaseGraceMs;
    private byte[] masterPassword;
    private Integer maxSessions;
    private Integer clock;
    private int tickUs;
    private String orderMsgTypes;
    private String targetCompId;
    private String senderCompIdPrefix;
    private Integer pbkdf2Iterations;
    private Integer defaultRules;
    private Integer logonCheck;
    private Integer singleOwner;
    private Integer watchOwners;
    private Integer compIdPool;
    private Integer logonAttempts;
    private int logonWindowMs;
    private Integer signedBackMs;
    private int signedAheadMs;
    private Path geoip;
    private boolean geoUnknownAllowed;

    public EngineOptions() {}

    /** The embedded store's directory (created if missing); without one, everything stays in memory. */
    public EngineOptions dataDir(Path dir) {
        this.dataDir = dir;
        return this;
    }

    /**
     * The fleet's PostgreSQL store instead of a data directory ("postgres://user:password@host/db");
     * copied, wiped when the options are closed, never shown by toString (it may hold a password).
     */
    public EngineOptions databaseUrl(String url) {
        wipeDatabaseUrl();
        this.databaseUrl = url == null ? null : FixProv.utf8(url);
        return this;
    }

    /**
     * Fleet mode's settings (docs/fleet.md): this gateway's id (null: the host's name and the process
     * id), how long a silent gateway keeps its session leases (0: 3 s) and how long after the last
     * heartbeat logons are admitted while the database is unreachable (0: refused).
     */
    public EngineOptions fleet(String gatewayId, int leaseExpiryMs, int leaseGraceMs) {
        this.gatewayId = gatewayId;
        this.leaseExpiryMs = leaseExpiryMs;
        this.leaseGraceMs = leaseGraceMs;
        return this;
    }

    /** The store's master password (any bytes); copied. Without one, FIX_MASTER_PASSWORD is read. */
    public EngineOptions masterPassword(byte[] password) {
        wipeMasterPassword();
        this.masterPassword = password == null ? null : password.clone();
        return this;
    }

    /** Sessions open at once, all users together (1 to 16,777,216). */
    public EngineOptions maxSessions(int maxSessions) {
        this.maxSessions = maxSessions;
        return this;
    }

    /** The clock of {@link Engine#check}: {@link FixProv#CLOCK_COARSE} with its tick, or CLOCK_PRECISE. */
    public EngineOptions clock(int clock, int tickUs) {
        this.clock = clock;
        this.tickUs = tickUs;
        return this;
    }

    /** The MsgTypes counted as orders, e.g. "D,F,G,AB". */
    public EngineOptions orderMsgTypes(String commaSeparated) {
        this.orderMsgTypes = commaSeparated;
        return this;
    }

    /** The venue's TargetCompID and the SenderCompID prefix; null leaves one unchanged. */
    public EngineOptions compIds(String targetCompId, String senderCompIdPrefix) {
        this.targetCompId = targetCompId;
        this.senderCompIdPrefix = senderCompIdPrefix;
        return this;
    }

    /** PBKDF2 iterations for a new store (default and minimum 600,000). */
    public EngineOptions pbkdf2Iterations(int iterations) {
        this.pbkdf2Iterations = iterations;
        return this;
    }

    /** Start with the four default eligibility rules or none; re-check eligibility at logon or not. */
    public EngineOptions eligibility(boolean defaultRules, boolean logonCheck) {
        this.defaultRules = defaultRules ? 1 : 0;
        this.logonCheck = logonCheck ? 1 : 0;
        return this;
    }

    /**
     * Opens every session as a single owner's ({@link FixProv#MODE_SINGLE_OWNER}): the host checks
     * each session on one thread at a time (a QuickFIX/J ThreadedSocketAcceptor's connection thread,
     * a Netty channel's event loop), and checks then take no locked instruction. {@code watch}
     * counts overlapping checks instead of trusting the promise.
     */
    public EngineOptions singleOwner(boolean on, boolean watch) {
        this.singleOwner = on ? 1 : 0;
        this.watchOwners = watch ? 1 : 0;
        return this;
    }

    /**
     * Keeps at least {@code size} SenderCompIDs (FP00001, FP00002, ...) ahead for provisioning to
     * assign from, so that a FIX engine can declare its sessions before anyone is provisioned (0:
     * off, CompIDs made from user ids; at most 100,000). A larger pool in the store is kept.
     */
    public EngineOptions compIdPool(int size) {
        this.compIdPool = size;
        return this;
    }

    /**
     * At most {@code attempts} logons per SenderCompID within {@code windowMs} milliseconds,
     * whatever their outcome, then its logons are refused ({@link FixProv#LOGON_TOO_MANY_LOGONS}) for
     * as long (default 15 within 30,000 ms); {@code attempts} 0 turns the limit off.
     */
    public EngineOptions logonRate(int attempts, int windowMs) {
        this.logonAttempts = attempts;
        this.logonWindowMs = windowMs;
        return this;
    }

    /**
     * The freshness window of signed logons ({@link Engine#logonSigned}): SendingTime at most
     * {@code backMs} behind the engine's clock (1 to 600,000; default 5,000) and {@code aheadMs}
     * ahead of it (0 to 60,000; default 1,000).
     */
    public EngineOptions signedLogonWindow(int backMs, int aheadMs) {
        this.signedBackMs = backMs;
        this.signedAheadMs = aheadMs;
        return this;
    }

    /**
     * The GeoIP database for country rules: a MaxMind .mmdb file, read at open and again when it
     * changes; {@code unknownAllowed} lets a logon whose country cannot be told pass a rule.
     */
    public EngineOptions geoip(Path mmdb, boolean unknownAllowed) {
        this.geoip = mmdb;
        this.geoUnknownAllowed = unknownAllowed;
        return this;
    }

    /** Builds the native options; the caller frees them with FixProv.optionsFree. */
    long toNative() {
        long o = FixProv.optionsNew();
        try {
            if (dataDir != null) FixProv.optionsSetDataDir(o, FixProv.utf8(dataDir.toString()));
            if (databaseUrl != null) FixProv.optionsSetDatabaseUrl(o, databaseUrl);
            if (leaseExpiryMs != null) {
                FixProv.optionsSetFleet(o, gatewayId == null ? null : FixProv.utf8(gatewayId), leaseExpiryMs, leaseGraceMs);
            }
            if (masterPassword != null) FixProv.optionsSetMasterPassword(o, masterPassword);
            if (maxSessions != null) FixProv.optionsSetMaxSessions(o, maxSessions);
            if (clock != null) FixProv.optionsSetClock(o, clock, tickUs);
            if (orderMsgTypes != null) FixProv.optionsSetOrderMsgTypes(o, FixProv.utf8(orderMsgTypes));
            if (targetCompId != null || senderCompIdPrefix != null) {
                FixProv.optionsSetCompIds(o, FixProv.utf8(targetCompId), FixProv.utf8(senderCompIdPrefix));
            }
            if (pbkdf2Iterations != null) FixProv.optionsSetPbkdf2Iterations(o, pbkdf2Iterations);
            if (defaultRules != null) FixProv.optionsSetEligibility(o, defaultRules, logonCheck);
            if (singleOwner != null) FixProv.optionsSetSingleOwner(o, singleOwner, watchOwners);
            if (compIdPool != null) FixProv.optionsSetCompIdPool(o, compIdPool);
            if (logonAttempts != null) FixProv.optionsSetLogonRate(o, logonAttempts, logonWindowMs);
            if (signedBackMs != null) FixProv.optionsSetLogonWindow(o, signedBackMs, signedAheadMs);
            if (geoip != null) FixProv.optionsSetGeoip(o, FixProv.utf8(geoip.toString()), geoUnknownAllowed ? 1 : 0);
            return o;
        } catch (RuntimeException | Error e) {
            FixProv.optionsFree(o);
            throw e;
        }
    }

    private void wipeMasterPassword() {
        if (masterPassword != null) {
            Arrays.fill(masterPassword, (byte) 0);
            masterPassword = null;
        }
    }

    private void wipeDatabaseUrl() {
        if (databaseUrl != null) {
            Arrays.fill(databaseUrl, (byte) 0);
            databaseUrl = null;
        }
    }

    /** Wipes the copies of the master password and the database URL. */
    @Override
    public void close() {
        wipeMasterPassword();
        wipeDatabaseUrl();
    }

    @Override
    public String toString() {
        return "EngineOptions[dataDir=" + dataDir + ", databaseUrl=" + (databaseUrl == null ? "unset" : "(hidden)")
                + ", masterPassword=" + (masterPassword == null ? "unset" : "(hidden)") + "]";
    }
}
