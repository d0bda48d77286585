package io.fixprov;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scenario of the C example through the Java binding, plus the binding's own edges: errors as
 * exceptions with status and text, a closed engine, events from a native thread, UTF-8 both ways.
 */
class FixProvTest {
    private static final byte[] MASTER = "java example master password".getBytes(StandardCharsets.UTF_8);
    private static final long SECOND = 1_000_000_000L;

    /** A small known tier: burst of 5 orders, 1 order/s, 100 messages burst, 2 sessions, no escalation. */
    private static final TierSpec SMALL = TierSpec.of(1, 1000, 5, 100, 2);

    private static EngineOptions storeOptions(Path dir) {
        // eligibility(false, false): no default rules, so provisioning needs no account facts
        return new EngineOptions().dataDir(dir).masterPassword(MASTER).eligibility(false, false);
    }

    private static Engine inMemory() {
        try (EngineOptions options = new EngineOptions().eligibility(false, false)) {
            return Engine.open(options);
        }
    }

    @Test
    void versionMatchesTheHeader() {
        assertEquals(FixProv.VERSION_STRING, FixProv.version());
        assertEquals(FixProv.VERSION_STRING, FixProv.headerVersion());
        assertEquals("throttled", FixProv.statusName(FixProv.THROTTLED));
        assertEquals("unknown status", FixProv.statusName(99_999));
        assertTrue(FixProv.isVerdict(FixProv.KILLED));
        assertTrue(FixProv.isError(FixProv.ERR_STALE_HANDLE));
        assertTrue(FixProv.isLogonRefusal(FixProv.LOGON_SUSPENDED));
    }

    @Test
    void scenario(@TempDir Path dir) {
        List<SessionEvent> events = new CopyOnWriteArrayList<>();
        Engine closedLater;
        Session killedLater;
        try (EngineOptions options = storeOptions(dir); Engine engine = Engine.open(options)) {
            closedLater = engine;
            engine.setEventListener(events::add);
            engine.setTier("java-test", SMALL);
            assertEquals(SMALL, engine.tier("java-test"));

            try (Credentials creds = engine.provision("alice", "java-test")) {
                assertEquals("FP_ALICE", creds.senderCompId());
                assertEquals("FIXPROV", creds.targetCompId());
                assertEquals(43, creds.password().length);
                String password = new String(creds.password(), StandardCharsets.US_ASCII);
                assertFalse(creds.toString().contains(password), "the password is not in toString");

                // a wrong password is refused with 1409=5 and a text that names nothing
                LogonResult wrong = engine.logon(creds.senderCompId(), creds.targetCompId(),
                        "a guessed password".getBytes(StandardCharsets.UTF_8), null, "127.0.0.1");
                assertFalse(wrong.accepted());
                assertEquals(FixProv.LOGON_BAD_CREDENTIALS, wrong.status());
                assertEquals(5, wrong.sessionStatus());
                assertEquals("Invalid username or password", wrong.text());
                assertThrows(IllegalStateException.class, wrong::session);

                LogonResult ok = engine.logon(creds.senderCompId(), creds.targetCompId(), creds.password(), null,
                        "127.0.0.1");
                assertTrue(ok.accepted(), ok::toString);
                assertNull(ok.text());
                try (Session session = ok.session()) {
                    killedLater = session;
                    long s = session.handle();
                    // orders at one caller instant: exactly the burst is admitted, then THROTTLED
                    long t0 = 1_000 * SECOND;
                    int admitted = 0;
                    int status;
                    while ((status = engine.checkAt(s, true, t0)) == FixProv.OK) {
                        admitted++;
                        assertTrue(admitted <= 100, "the burst never ran out");
                    }
                    assertEquals(FixProv.THROTTLED, status);
                    assertEquals(5, admitted);
                    assertEquals(Verdict.THROTTLED, Verdict.of(session.checkAt(true, t0 + SECOND - 1)));
                    // one second later, one order's worth has refilled (1 order/s), and no more
                    assertEquals(FixProv.OK, session.checkAt(true, t0 + SECOND));
                    assertEquals(FixProv.THROTTLED, session.checkAt(true, t0 + SECOND));
                    // non-order messages have their own, larger bucket
                    assertEquals(FixProv.OK, session.checkAt(false, t0 + SECOND));

                    SessionStats stats = session.stats();
                    assertEquals(6, stats.orders());
                    assertEquals(7, stats.messages());
                    assertEquals(3, stats.throttled());
                    assertEquals(FixProv.KILL_NONE, stats.killReason());

                    // the operator kills the session through the admin command layer
                    AdminResponse kill = engine.adminRequest("POST", "/admin/fix/sessions/kill",
                            "{\"session\": " + Long.toUnsignedString(s) + "}");
                    assertEquals(200, kill.httpStatus(), kill::toString);
                    assertTrue(kill.json().contains("\"killed\":1"), kill::toString);
                    // the event listener was told at once, on this thread
                    assertEquals(1, events.size());
                    SessionEvent event = events.get(0);
                    assertEquals(FixProv.EVENT_SESSION_KILLED, event.kind());
                    assertEquals(FixProv.KILL_ADMIN, event.reason());
                    assertEquals(s, event.session());
                    assertEquals("alice", event.userId());
                    // ... and the next check answers KILLED
                    int next = session.checkAt(false, t0 + 2 * SECOND);
                    assertEquals(FixProv.KILLED, next);
                    assertTrue(Verdict.of(next).logsOut());
                    assertEquals(FixProv.KILL_ADMIN, session.stats().killReason());
                }
                // closed: the handle is stale, never undefined behaviour
                assertEquals(FixProv.ERR_STALE_HANDLE, engine.check(killedLater.handle(), true));
                assertEquals(Verdict.STALE_HANDLE, Verdict.of(engine.check(killedLater.handle(), false)));
                killedLater.close(); // idempotent

                // a suspended user cannot log on
                engine.suspend("alice");
                LogonResult suspended = engine.logon(creds.senderCompId(), creds.targetCompId(), creds.password(),
                        null, "127.0.0.1");
                assertEquals(FixProv.LOGON_SUSPENDED, suspended.status());
                assertEquals(6, suspended.sessionStatus());
                assertEquals("Account suspended", suspended.text());
                engine.reactivate("alice");
                LogonResult back = engine.logon(creds.senderCompId(), creds.targetCompId(), creds.password(), null,
                        "127.0.0.1");
                assertTrue(back.accepted(), back::toString);
                back.session().close();

                byte[] secret = creds.password();
                creds.wipe();
                assertArrayEquals(new byte[43], secret);
            }
        }
        // try-with-resources closed the engine; a closed engine throws a clear error, never crashes
        assertFalse(closedLater.isOpen());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> closedLater.provision("bob", null));
        assertTrue(e.getMessage().contains("closed"));
        assertThrows(IllegalStateException.class, () -> closedLater.check(killedLater.handle(), true));
        assertThrows(IllegalStateException.class, () -> closedLater.checkAt(killedLater.handle(), true, 1));
        assertThrows(IllegalStateException.class, () -> closedLater.checkMsgType(1L, MsgType.NEW_ORDER_SINGLE));
        assertThrows(IllegalStateException.class, () -> closedLater.adminRequest("GET", "/admin/fix/stats", null));
        assertThrows(IllegalStateException.class, () -> closedLater.openSession("alice"));
        assertThrows(IllegalStateException.class, killedLater::kill);
        killedLater.close();
        closedLater.close(); // idempotent
    }

    /** A FIX UTCTimestamp with milliseconds of now. */
    private static String sendingTimeNow() {
        return java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HH:mm:ss.SSS")
                .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.now());
    }

    /** Signed logons, signed by the JDK's own Ed25519 and HMAC (a third implementation), and a country rule. */
    @Test
    void signedLogonsAndCountryRules() throws Exception {
        try (EngineOptions options = new EngineOptions().eligibility(false, false).signedLogonWindow(5_000, 1_000);
                Engine engine = Engine.open(options)) {
            engine.setTierLogonPolicy("premium", "password+signature");
            try (Credentials sig = engine.provision("sig", "premium"); Credentials mac = engine.provision("mac", "premium")) {
                java.security.KeyPair pair = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
                byte[] der = pair.getPublic().getEncoded(); // X.509 SubjectPublicKeyInfo: the key is the last 32 bytes
                String publicKey = java.util.Base64.getEncoder()
                        .encodeToString(java.util.Arrays.copyOfRange(der, der.length - 32, der.length));
                String edId = engine.addEd25519Key("sig", publicKey, 0);
                assertTrue(edId.startsWith("lk_"), edId);

                String time = sendingTimeNow();
                String payload = "A\u0001" + sig.senderCompId() + "\u0001FIXPROV\u00011\u0001" + time;
                java.security.Signature signer = java.security.Signature.getInstance("Ed25519");
                signer.initSign(pair.getPrivate());
                signer.update(payload.getBytes(StandardCharsets.US_ASCII));
                String raw = java.util.Base64.getEncoder().encodeToString(signer.sign());

                LogonResult unsigned = engine.logon(sig.senderCompId(), "FIXPROV", sig.password(), null, "10.0.0.1");
                assertEquals(FixProv.LOGON_SIGNATURE_REQUIRED, unsigned.status());
                assertEquals("Logon signature required", unsigned.text());
                LogonResult ok = engine.logonSigned(sig.senderCompId(), "FIXPROV", sig.password(), "10.0.0.1", "A", 1,
                        time, raw, edId);
                assertTrue(ok.accepted(), ok::toString);
                ok.session().close();
                LogonResult replay = engine.logonSigned(sig.senderCompId(), "FIXPROV", sig.password(), "10.0.0.1", "A",
                        1, time, raw, edId);
                assertEquals(FixProv.LOGON_REPLAYED_SIGNATURE, replay.status());
                assertEquals(5, replay.sessionStatus());

                byte[][] generated = engine.generateHmacKey("mac", 0);
                String macId = new String(generated[0], StandardCharsets.UTF_8);
                javax.crypto.Mac hmac = javax.crypto.Mac.getInstance("HmacSHA256");
                hmac.init(new javax.crypto.spec.SecretKeySpec(java.util.Base64.getDecoder()
                        .decode(new String(generated[1], StandardCharsets.US_ASCII)), "HmacSHA256"));
                java.util.Arrays.fill(generated[1], (byte) 0);
                String macTime = sendingTimeNow();
                String macPayload = "A\u0001" + mac.senderCompId() + "\u0001FIXPROV\u00017\u0001" + macTime;
                String macRaw = java.util.Base64.getEncoder()
                        .encodeToString(hmac.doFinal(macPayload.getBytes(StandardCharsets.US_ASCII)));
                LogonResult macOk = engine.logonSigned(mac.senderCompId(), "FIXPROV", mac.password(), "10.0.0.2", "A",
                        7, macTime, macRaw, macId);
                assertTrue(macOk.accepted(), macOk::toString);
                macOk.session().close();
                engine.revokeKey("mac", macId);
                LogonResult revoked = engine.logonSigned(mac.senderCompId(), "FIXPROV", mac.password(), "10.0.0.2",
                        "A", 8, sendingTimeNow(), macRaw, macId);
                assertEquals(FixProv.LOGON_BAD_SIGNATURE, revoked.status());
                FixProvException noKey = assertThrows(FixProvException.class, () -> engine.revokeKey("mac", macId));
                assertEquals(FixProv.ERR_NOT_FOUND, noKey.status());

                // Back to the tier's... then the user's own: password only.
                engine.setLogonPolicy("sig", "password");
                LogonResult plain = engine.logon(sig.senderCompId(), "FIXPROV", sig.password(), null, "10.0.0.1");
                assertTrue(plain.accepted(), plain::toString);
                plain.session().close();

                // A country rule without a database: the country cannot be told, so the logon is refused.
                engine.setCountryRule("sig", "{\"allow\": [\"FR\"]}");
                LogonResult far = engine.logon(sig.senderCompId(), "FIXPROV", sig.password(), null, "10.0.0.1");
                assertEquals(FixProv.LOGON_COUNTRY_NOT_ALLOWED, far.status());
                assertEquals("Logon not allowed from this country", far.text());
                engine.setCountryRule("sig", null);
                FixProvException bad = assertThrows(FixProvException.class,
                        () -> engine.setTierCountryRule("premium", "{\"allow\": [\"FRA\"]}"));
                assertEquals(FixProv.ERR_INVALID_ARGUMENT, bad.status());
                FixProvException policy = assertThrows(FixProvException.class,
                        () -> engine.setTierLogonPolicy("premium", "totp"));
                assertEquals(FixProv.ERR_INVALID_ARGUMENT, policy.status());
            }
        }
    }

    @Test
    void singleOwnerSessionsBatchesAndPrefetch() {
        try (EngineOptions options = new EngineOptions().eligibility(false, false).singleOwner(true, true);
                Engine engine = Engine.open(options)) {
            // orders 1/s burst 5, messages 1000/s burst 100
            engine.setTier("owned", SMALL);
            engine.setUserTier("olga", "owned");
            try (Session session = engine.openSession("olga")) {
                assertTrue(engine.sessionsJson("olga").contains("\"single_owner\":true"),
                        engine.sessionsJson("olga"));
                int[] classes = {FixProv.MSG_ORDER, FixProv.MSG_ORDER, FixProv.MSG_OTHER, FixProv.MSG_ORDER,
                        FixProv.MSG_ORDER, FixProv.MSG_ORDER, FixProv.MSG_ORDER, FixProv.MSG_ORDER};
                int[] out = new int[8];
                session.prefetch();
                assertEquals(FixProv.OK, session.checkBatch(classes, 8, out));
                // a burst of 5 orders: the first five orders pass, the other message too
                assertArrayEquals(new int[] {FixProv.OK, FixProv.OK, FixProv.OK, FixProv.OK, FixProv.OK,
                        FixProv.OK, FixProv.THROTTLED, FixProv.THROTTLED}, out);
                assertEquals(0, session.checkBatch(classes, 0, out));
                int[] bad = {FixProv.MSG_OTHER, 7};
                int[] untouched = {-1, -1};
                assertEquals(FixProv.ERR_INVALID_ARGUMENT, session.checkBatch(bad, 2, untouched));
                assertArrayEquals(new int[] {-1, -1}, untouched);
                assertThrows(IndexOutOfBoundsException.class, () -> session.checkBatch(classes, 9, out));
                session.setMode(FixProv.MODE_SHARED);
                assertEquals(FixProv.THROTTLED, session.check(true));
                assertTrue(engine.sessionsJson("olga").contains("\"single_owner\":false"));
                FixProvException e = assertThrows(FixProvException.class, () -> session.setMode(3));
                assertEquals(FixProv.ERR_INVALID_ARGUMENT, e.status());
            }
        }
    }

    @Test
    void weightsThePoolAndTheLogonRate() {
        try (EngineOptions options = new EngineOptions().eligibility(false, false).compIdPool(4).logonRate(2, 60_000);
                Engine engine = Engine.open(options)) {
            // Weights: on SMALL (orders 1/s burst 5) a NewOrderList of weight 5 fills the order bucket,
            // and a cancel at weight 0 still passes.
            engine.setTier("weighed", SMALL);
            AdminResponse set = engine.adminRequest("POST", "/admin/fix/rate-limits/weights",
                    "{\"tier\": \"weighed\", \"weights\": {\"E\": 5, \"F\": 0}}");
            assertTrue(set.ok(), set::toString);
            AdminResponse bad = engine.adminRequest("POST", "/admin/fix/rate-limits/weights",
                    "{\"tier\": \"weighed\", \"weights\": {\"E\": 256}}");
            assertEquals(400, bad.httpStatus(), bad::toString);
            engine.setUserTier("wendy", "weighed");
            try (Session session = engine.openSession("wendy")) {
                assertEquals(FixProv.OK, session.checkMsgType('E'));
                assertEquals(FixProv.THROTTLED, session.checkMsgType('D'));
                assertEquals(FixProv.OK, session.checkMsgType('F'));
                assertEquals(FixProv.OK, engine.checkWeighted(session.handle(), true, 0));
                assertEquals(FixProv.THROTTLED, engine.checkWeighted(session.handle(), true, 2));
                assertEquals(FixProv.ERR_INVALID_ARGUMENT, engine.checkWeighted(session.handle(), true, 256));
                assertEquals(FixProv.ERR_INVALID_ARGUMENT, engine.checkWeighted(session.handle(), true, -1));
            }
            // The SenderCompID pool: provisioning assigns FP00001, and four are declared ahead.
            try (Credentials creds = engine.provision("pat", "standard")) {
                assertEquals("FP00001", creds.senderCompId());
                AdminResponse pool = engine.adminRequest("GET", "/admin/fix/comp-id-pool", null);
                assertTrue(pool.json().contains("\"size\":4"), pool::toString);
                // The logon rate: two attempts in the window, then refused whatever the password.
                byte[] wrong = "not the password".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                for (int i = 0; i < 2; i++) {
                    LogonResult r = engine.logon(creds.senderCompId(), "FIXPROV", wrong, null, "10.0.0.9");
                    assertFalse(r.accepted(), r::toString);
                }
                LogonResult third = engine.logon(creds.senderCompId(), "FIXPROV", creds.password(), null, "10.0.0.9");
                assertEquals(FixProv.LOGON_TOO_MANY_LOGONS, third.status(), third::toString);
            }
        }
        try (EngineOptions options = new EngineOptions().logonRate(1, 0)) {
            FixProvException e = assertThrows(FixProvException.class, () -> Engine.open(options).close());
            assertEquals(FixProv.ERR_INVALID_ARGUMENT, e.status());
        }
    }

    @Test
    void theStoreKeepsUsersAndRefusesAWrongMasterPassword(@TempDir Path dir) {
        String sender;
        byte[] password;
        try (EngineOptions options = storeOptions(dir); Engine engine = Engine.open(options);
                Credentials creds = engine.provision("carol", "standard")) {
            sender = creds.senderCompId();
            password = creds.password().clone();
        }
        try (EngineOptions options = storeOptions(dir); Engine engine = Engine.open(options)) {
            assertTrue(engine.credentialsJson("carol").contains("\"sender_comp_id\":\"" + sender + "\""));
            LogonResult r = engine.logon(sender, "FIXPROV", password, "carol", null);
            assertTrue(r.accepted(), r::toString);
            r.session().close();
        } finally {
            java.util.Arrays.fill(password, (byte) 0);
        }
        try (EngineOptions options = new EngineOptions().dataDir(dir)
                .masterPassword("not the password".getBytes(StandardCharsets.UTF_8))) {
            FixProvException e = assertThrows(FixProvException.class, () -> Engine.open(options));
            assertEquals(FixProv.ERR_WRONG_MASTER_PASSWORD, e.status());
            assertEquals(FixProv.statusName(FixProv.ERR_WRONG_MASTER_PASSWORD), e.statusName());
        }
    }

    @Test
    void aDatabaseUrlIsCheckedWhereItIsSetAndNeverShown() {
        String url = "postgres://fixprov:db-secret-pw@127.0.0.1:1/fixprov?connect_timeout=1";
        try (EngineOptions options = new EngineOptions().databaseUrl(url).masterPassword(MASTER)) {
            assertFalse(options.toString().contains("db-secret-pw"), options::toString);
            // nothing listens on port 1: the open fails as a storage error, without the password
            FixProvException e = assertThrows(FixProvException.class, () -> Engine.open(options));
            assertEquals(FixProv.ERR_STORAGE, e.status(), e::getMessage);
            assertFalse(e.getMessage().contains("db-secret-pw"), e::getMessage);
        }
        try (EngineOptions options = new EngineOptions().databaseUrl(url).fleet("gateway a", 0, 0)) {
            // a gateway id with a space is refused before anything connects
            assertEquals(FixProv.ERR_INVALID_ARGUMENT,
                    assertThrows(FixProvException.class, () -> Engine.open(options)).status());
        }
        try (EngineOptions options = new EngineOptions().databaseUrl("not a url")) {
            assertEquals(FixProv.ERR_INVALID_ARGUMENT,
                    assertThrows(FixProvException.class, () -> Engine.open(options)).status());
        }
    }

    @Test
    void coldPathErrorsAreExceptionsWithStatusAndText() {
        // default eligibility rules: provisioning a user without facts is refused, naming the rules
        try (Engine engine = Engine.openInMemory()) {
            FixProvException e = assertThrows(FixProvException.class, () -> engine.provision("newcomer", null));
            assertEquals(FixProv.ERR_NOT_ELIGIBLE, e.status());
            assertTrue(e.getMessage().contains("balance"), e.getMessage());
            assertTrue(engine.evaluate("newcomer").contains("\"eligible\":false"));

            engine.setBypass("newcomer", "java test", "a test needs it");
            try (Credentials c = engine.provision("newcomer", null)) {
                assertEquals("FP_NEWCOMER", c.senderCompId());
            }
            assertEquals(FixProv.ERR_ALREADY_EXISTS,
                    assertThrows(FixProvException.class, () -> engine.provision("newcomer", null)).status());
            assertEquals(FixProv.ERR_NOT_FOUND,
                    assertThrows(FixProvException.class, () -> engine.provision("x", "no-such-tier")).status());
            assertEquals(FixProv.ERR_INVALID_ARGUMENT,
                    assertThrows(FixProvException.class, () -> engine.setTier("bad", TierSpec.of(5, 5, 0, 5, 1)))
                            .status());
            assertEquals(FixProv.ERR_INVALID_ARGUMENT,
                    assertThrows(FixProvException.class, () -> engine.setTier("bad name!", SMALL)).status());
            assertEquals(FixProv.ERR_NOT_FOUND,
                    assertThrows(FixProvException.class, () -> engine.tier("nope")).status());
            assertEquals(FixProv.ERR_NOT_FOUND,
                    assertThrows(FixProvException.class, () -> engine.openSession("nobody")).status());
            assertEquals(FixProv.ERR_INVALID_ARGUMENT,
                    assertThrows(FixProvException.class, () -> engine.setAccountFacts("u", "{\"balance\": 12.5}"))
                            .status());
            assertThrows(NullPointerException.class, () -> engine.provision(null, null));
            // a malformed peer address is an error, not a refusal
            assertEquals(FixProv.ERR_INVALID_ARGUMENT, assertThrows(FixProvException.class,
                    () -> engine.logon("FP_NEWCOMER", "FIXPROV", new byte[] {1}, null, "not an address")).status());
            // an unknown CompID gets the same answer as a wrong password
            LogonResult unknown = engine.logon("FP_NOBODY", "FIXPROV", new byte[] {1}, null, null);
            assertEquals(5, unknown.sessionStatus());
            assertEquals("Invalid username or password", unknown.text());
        }
    }

    @Test
    void utf8TravelsBothWays() {
        String user = "trader-é漢😀";
        try (Engine engine = inMemory()) {
            engine.setUserTier(user, "basic");
            try (Session s = engine.openSession(user)) {
                String json = engine.sessionsJson(user);
                assertTrue(json.contains(user), json);
                List<SessionEvent> events = new ArrayList<>();
                engine.setEventListener(events::add);
                s.kill();
                assertEquals(user, events.get(0).userId());
            }
            FixProvException e = assertThrows(FixProvException.class, () -> engine.userViolations("ghost-😀"));
            assertEquals(FixProv.ERR_NOT_FOUND, e.status());
        }
    }

    @Test
    void checksByMsgTypeTakePrimitives() {
        try (Engine engine = inMemory()) {
            engine.setTier("two-orders", TierSpec.of(1, 1000, 2, 1000, 1));
            engine.setUserTier("dave", "two-orders");
            try (Session session = engine.openSession("dave")) {
                long s = session.handle();
                assertEquals(FixProv.OK, engine.checkMsgType(s, MsgType.NEW_ORDER_SINGLE));
                assertEquals(FixProv.OK, session.checkMsgType('F'));
                assertEquals(FixProv.THROTTLED, engine.checkMsgType(s, 'D'));
                assertEquals(FixProv.THROTTLED, engine.checkMsgType(s, MsgType.NEW_ORDER_MULTILEG));
                assertEquals(FixProv.OK, engine.checkMsgType(s, MsgType.HEARTBEAT));
                assertEquals(FixProv.OK, engine.checkMsgType(s, "0".getBytes(StandardCharsets.US_ASCII)));
                assertEquals(FixProv.THROTTLED, engine.checkMsgType(s, "AB".getBytes(StandardCharsets.US_ASCII)));
                // longer than 8 bytes: copied in C (a custom MsgType, not an order)
                assertEquals(FixProv.OK, engine.checkMsgType(s, "U1234567890".getBytes(StandardCharsets.US_ASCII)));
                assertEquals(FixProv.ERR_INVALID_ARGUMENT, engine.checkMsgType(s, new byte[] {'D', 0}));
                assertEquals(FixProv.ERR_INVALID_ARGUMENT, engine.checkMsgType(s, new byte[17]));
                assertEquals(FixProv.ERR_INVALID_ARGUMENT, engine.checkMsgType(s, new byte[1000]));
                assertEquals(FixProv.ERR_INVALID_ARGUMENT, engine.checkMsgType(s, new byte[0]));
                assertEquals(FixProv.ERR_INVALID_ARGUMENT, engine.checkMsgType(s, (byte[]) null));
                assertEquals(FixProv.ERR_INVALID_ARGUMENT, engine.checkMsgType(s, 0L));
                assertEquals(FixProv.ERR_INVALID_ARGUMENT, engine.checkMsgType(s, 0x4400L)); // "\0D"
                assertEquals(FixProv.ERR_INVALID_ARGUMENT, engine.checkMsgType(s, -1L)); // 8 x 0xff
                assertEquals(FixProv.ERR_INVALID_ARGUMENT, engine.checkMsgType(s, '='));
                assertEquals(FixProv.ERR_INVALID_ARGUMENT, engine.check(s, 7));
                assertEquals(Verdict.ERROR, Verdict.of(engine.check(s, 7)));
                assertEquals(FixProv.ERR_STALE_HANDLE, engine.check(s ^ (1L << 40), true));
                // max_sessions 1: a second session is refused
                assertEquals(FixProv.ERR_LIMIT_REACHED,
                        assertThrows(FixProvException.class, () -> engine.openSession("dave")).status());
                SessionStats st = session.stats();
                assertEquals(2, st.orders());
                assertEquals(5, st.messages());
            }
        }
        assertEquals("AB", MsgType.unpack(MsgType.pack("AB")));
        assertEquals(0x4241L, MsgType.pack("AB"));
        assertThrows(IllegalArgumentException.class, () -> MsgType.pack(""));
        assertThrows(IllegalArgumentException.class, () -> MsgType.pack("123456789"));
        assertThrows(IllegalArgumentException.class, () -> MsgType.pack("a b"));
    }

    @Test
    void adminRequestsAnswerJson() {
        try (Engine engine = inMemory()) {
            AdminResponse provisioned = engine.adminRequest("POST", "/admin/fix/provision",
                    "{\"user\": \"erin\", \"tier\": \"premium\"}");
            assertEquals(200, provisioned.httpStatus(), provisioned::toString);
            assertTrue(provisioned.json().contains("\"sender_comp_id\":\"FP_ERIN\""));
            AdminResponse missing = engine.adminRequest("GET", "/admin/fix/nope", null);
            assertEquals(404, missing.httpStatus());
            assertTrue(missing.json().contains("no_such_route"), missing::toString);
            AdminResponse bad = engine.adminRequest("POST", "/admin/fix/suspend", "{not json");
            assertEquals(400, bad.httpStatus());
            assertTrue(bad.json().contains("bad_json"), bad::toString);
            AdminResponse unknownField = engine.adminRequest("POST", "/admin/fix/suspend",
                    "{\"user\": \"erin\", \"extra\": 1}");
            assertFalse(unknownField.ok());
            AdminResponse stats = engine.adminRequest("GET", "/admin/fix/stats", null);
            assertTrue(stats.ok(), stats::toString);
            assertEquals(stats.json().trim().charAt(0), '{');
            assertTrue(engine.statsJson().startsWith("{"));
            assertTrue(engine.auditQuery(null).contains("erin"));
            assertTrue(engine.auditVerify().contains("\"ok\":true"), engine.auditVerify());
        }
    }

    @Test
    void expiryEventsArriveFromTheNativeHousekeepingThread() throws Exception {
        try (Engine engine = inMemory(); Credentials creds = engine.provision("frank", "basic")) {
            CountDownLatch latch = new CountDownLatch(1);
            AtomicReference<SessionEvent> seen = new AtomicReference<>();
            AtomicReference<String> thread = new AtomicReference<>();
            engine.setEventListener(ev -> {
                seen.set(ev);
                thread.set(Thread.currentThread().getName());
                latch.countDown();
            });
            LogonResult r = engine.logon(creds.senderCompId(), creds.targetCompId(), creds.password(), null, null);
            try (Session session = r.session()) {
                // an expiry in the past kills at once, on this thread; a future one is found by the
                // housekeeping thread's sweep (every 200 ms), which the binding attaches to the JVM
                engine.setExpiry("frank", System.currentTimeMillis() + 300);
                assertEquals(1, latch.getCount());
                assertTrue(latch.await(10, TimeUnit.SECONDS), "no expiry event");
                assertEquals(FixProv.KILL_EXPIRED, seen.get().reason());
                assertEquals(session.handle(), seen.get().session());
                assertEquals("frank", seen.get().userId());
                assertNotEquals(Thread.currentThread().getName(), thread.get());
                assertEquals("fixprov-event", thread.get());
                assertEquals(FixProv.KILLED, session.check(false));
            }
            LogonResult expired = engine.logon(creds.senderCompId(), creds.targetCompId(), creds.password(), null,
                    null);
            assertEquals(FixProv.LOGON_EXPIRED, expired.status());
            assertEquals(8, expired.sessionStatus());
        }
    }

    @Test
    @SuppressWarnings("try") // the listener below calls engine.close() on purpose
    void aThrowingListenerNeverReachesTheLibrary() {
        Thread current = Thread.currentThread();
        Thread.UncaughtExceptionHandler previous = current.getUncaughtExceptionHandler();
        List<Throwable> caught = new CopyOnWriteArrayList<>();
        current.setUncaughtExceptionHandler((t, e) -> caught.add(e));
        try (Engine engine = inMemory()) {
            engine.setUserTier("gina", "standard");
            engine.setEventListener(ev -> {
                throw new RuntimeException("listener failure");
            });
            Session a = engine.openSession("gina");
            a.kill(); // returns normally
            assertEquals(1, caught.size());
            assertEquals("listener failure", caught.get(0).getMessage());
            // closing the engine from a listener is refused, not a deadlock
            engine.setEventListener(ev -> engine.close());
            Session b = engine.openSession("gina");
            b.kill();
            assertEquals(2, caught.size());
            assertTrue(caught.get(1) instanceof IllegalStateException, caught.get(1)::toString);
            assertTrue(engine.isOpen());
            // a listener may close the killed session
            engine.setEventListener(ev -> b.close());
            Session c = engine.openSession("gina");
            engine.setEventListener(ev -> c.close());
            c.kill();
            assertTrue(c.isClosed());
            a.close();
            b.close();
        } finally {
            current.setUncaughtExceptionHandler(previous);
        }
    }

    @Test
    void coldCallsRacingCloseEitherRunOrSayClosed() throws Exception {
        Engine engine = inMemory();
        engine.setUserTier("hank", "basic");
        AtomicInteger ran = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicReference<Throwable> unexpected = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(3);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Thread t = new Thread(() -> {
                started.countDown();
                while (true) {
                    try {
                        engine.userViolations("hank");
                        engine.statsJson();
                        ran.incrementAndGet();
                    } catch (IllegalStateException e) {
                        refused.incrementAndGet();
                        return;
                    } catch (Throwable e) {
                        unexpected.set(e);
                        return;
                    }
                }
            });
            t.start();
            threads.add(t);
        }
        started.await();
        Thread.sleep(50);
        engine.close();
        for (Thread t : threads) t.join(10_000);
        assertNull(unexpected.get());
        assertEquals(3, refused.get());
        assertTrue(ran.get() > 0);
    }

    @Test
    void closingWithLiveSessionsAndAListenerIsClean() {
        List<SessionEvent> events = new CopyOnWriteArrayList<>();
        List<Throwable> fromListener = new CopyOnWriteArrayList<>();
        Engine engine = inMemory();
        engine.setUserTier("jack", "premium");
        Session[] sessions = {engine.openSession("jack"), engine.openSession("jack"), engine.openSession("jack")};
        engine.setEventListener(ev -> {
            events.add(ev);
            try {
                engine.statsJson(); // the engine is closing: refused, not a crash or a deadlock
            } catch (IllegalStateException e) {
                fromListener.add(e);
            }
        });
        engine.setEventListener(events::add); // the replaced listener's context lives until close
        sessions[0].kill();
        assertEquals(1, events.size());
        engine.close();
        for (Session s : sessions) {
            s.close(); // no-op: the engine closed every session
            assertThrows(IllegalStateException.class, () -> s.check(true));
        }
        assertTrue(fromListener.isEmpty());
    }

    @Test
    void optionsAreValidated() {
        try (EngineOptions o = new EngineOptions().clock(99, 1)) {
            assertEquals(FixProv.ERR_INVALID_ARGUMENT,
                    assertThrows(FixProvException.class, () -> Engine.open(o)).status());
        }
        try (EngineOptions o = new EngineOptions().pbkdf2Iterations(1000)) {
            assertEquals(FixProv.ERR_INVALID_ARGUMENT,
                    assertThrows(FixProvException.class, () -> Engine.open(o)).status());
        }
        try (EngineOptions o = new EngineOptions().clock(FixProv.CLOCK_PRECISE, 1).maxSessions(16)
                .orderMsgTypes("D,F").compIds("VENUE", "VX").eligibility(false, false);
                Engine engine = Engine.open(o);
                Credentials c = engine.provision("ivy", null)) {
            assertEquals("VX_IVY", c.senderCompId());
            assertEquals("VENUE", c.targetCompId());
            assertNotNull(engine.rulesJson(false));
            // with orders D and F only, AB is not an order (and D still is)
            try (Session s = engine.openSession("ivy")) {
                assertEquals(FixProv.OK, s.checkMsgType(MsgType.NEW_ORDER_MULTILEG));
                assertEquals(FixProv.OK, s.checkMsgType(MsgType.NEW_ORDER_MULTILEG));
                assertEquals(FixProv.OK, s.checkMsgType('D'));
                SessionStats st = s.stats();
                assertEquals(3, st.messages());
                assertEquals(1, st.orders());
            }
        }
    }
}
