/*
 * fixprov_example.c: using fixprov from C, end to end, the way a FIX gateway would.
 *
 *   1. open an engine on an encrypted store in a data directory;
 *   2. define a tier with a small, known burst;
 *   3. provision a user (SenderCompID, TargetCompID and a one-time password come back);
 *   4. refuse a Logon with a wrong password, accept one with the right password;
 *   5. check orders until the tier throttles them, and assert the exact number admitted;
 *   6. kill the session from the admin side, and see the next check answer KILLED;
 *   7. close everything and free every string the library returned.
 *
 * Build it against an installed fixprov (see README.md in this directory):
 *   cc -std=c11 fixprov_example.c $(pkg-config --cflags --libs fixprov) -o fixprov_example
 * Run it:
 *   ./fixprov_example            use a fresh directory under /tmp, removed at the end
 *   ./fixprov_example DIR        use (or create) DIR and keep it
 * It prints one line per step and exits 1, naming the step, on any surprise.
 *
 * Two conventions of the fixprov C API to keep in mind while reading:
 *   - Strings going IN are (const uint8_t *ptr, size_t len) pairs, not NUL-terminated: the STR()
 *     macro below turns a C string into such a pair.
 *   - Strings coming OUT (char **) are NUL-terminated, owned by the caller, and must be released
 *     with fixprov_string_free() (never free()): it wipes them first, as they may hold secrets.
 */

/* mkdtemp, nftw and clock_gettime are POSIX, not ISO C: ask for them before any #include. */
#define _XOPEN_SOURCE 700

#include <fixprov.h>

#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A C string literal or char * as the (pointer, length) pair fixprov expects. */
#define STR(s) (const uint8_t *)(s), strlen(s)

/* The tier this example defines: 5 orders at once, then 1 per second. Orders also count against
 * the message bucket, which is larger, so the order bucket is the one that throttles. */
#define EXAMPLE_TIER "example-burst5"
#define ORDER_BURST 5

/* Prints the failure of a step with everything fixprov can tell about it. */
static void report_failure(const char *step, fixprov_status got, fixprov_status want) {
    fprintf(stderr, "FAIL [%s]: got %u (%s), expected %u (%s); last error: %s\n", step, (unsigned)got,
            fixprov_status_str(got), (unsigned)want, fixprov_status_str(want), fixprov_last_error());
}

/* Checks a call's status; returns 1 when it is the one expected, else reports and returns 0. */
static int expect_status(const char *step, fixprov_status got, fixprov_status want) {
    if (got != want) {
        report_failure(step, got, want);
        return 0;
    }
    return 1;
}

/* Checks any other condition; returns 1 when it holds, else reports and returns 0. */
static int expect_true(const char *step, int condition, const char *what) {
    if (!condition) {
        fprintf(stderr, "FAIL [%s]: expected %s\n", step, what);
        return 0;
    }
    return 1;
}

/* The event callback: fixprov calls it when a session is killed by anything other than a check
 * (an operator, a revocation, an expiry), so the gateway can log an idle peer out at once. It runs
 * on the thread that caused the event; here that is our own thread (the admin request below). */
struct kill_log {
    int kills;
    uint64_t last_session;
    uint32_t last_reason;
};

static void on_event(void *context, const fixprov_event *event) {
    struct kill_log *log = context;
    if (event->kind == FIXPROV_EVENT_SESSION_KILLED) {
        log->kills++;
        log->last_session = event->session;
        log->last_reason = event->reason;
        /* event->user_id is NOT NUL-terminated: print it with its length. */
        printf("  event: session %" PRIu64 " of user %.*s killed (reason %u)\n", event->session,
               (int)event->user_id_len, (const char *)event->user_id, (unsigned)event->reason);
    }
}

/* fixprov_check_at() takes the gateway's own receive timestamp in nanoseconds on any monotonic
 * base. Passing the same instant to every check of a burst makes the count exact: no token can
 * refill between two checks, whatever the machine's speed (or valgrind's). */
static uint64_t monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw) {
    (void)sb;
    (void)type;
    (void)ftw;
    return remove(path);
}

int main(int argc, char **argv) {
    int ok = 0; /* set to 1 only when every step passed */
    char temp_dir[] = "/tmp/fixprov-example-XXXXXX";
    const char *data_dir = NULL;
    int remove_data_dir = 0;
    fixprov_options *options = NULL;
    fixprov_engine *engine = NULL;
    uint64_t session = 0;
    /* Every string the library hands out; each is freed (and wiped) at the end, NULL or not. */
    char *sender_comp_id = NULL, *target_comp_id = NULL, *password = NULL, *admin_answer = NULL;
    struct kill_log kill_log = {0, 0, 0};
    fixprov_status s;

    /* The header and the library must be the same version: check it before anything else. */
    if (!expect_true("version", strcmp(fixprov_version(), FIXPROV_VERSION_STRING) == 0,
                     "library version == header version " FIXPROV_VERSION_STRING))
        return 1;
    printf("fixprov %s\n", fixprov_version());

    /* -- 1. Open an engine on a data directory -------------------------------------------------- */
    if (argc > 1) {
        data_dir = argv[1];
    } else {
        data_dir = mkdtemp(temp_dir);
        if (data_dir == NULL) {
            perror("FAIL [data dir]: mkdtemp");
            return 1;
        }
        remove_data_dir = 1;
    }

    options = fixprov_options_new();
    if (!expect_true("options", options != NULL, "fixprov_options_new() to return options")) goto out;
    if (!expect_status("options: data dir", fixprov_options_set_data_dir(options, STR(data_dir)), FIXPROV_OK))
        goto out;
    {
        /* The store is encrypted under a key derived from the master password (PBKDF2, 600,000
         * iterations: opening takes a moment). Never hard-code it in real code: read it from a
         * secret store. Here: $FIX_MASTER_PASSWORD, or a demo value. The same password must be
         * given every time the directory is opened. */
        const char *master = getenv("FIX_MASTER_PASSWORD");
        if (master == NULL || master[0] == '\0') master = "example-master-password-not-for-production";
        if (!expect_status("options: master password", fixprov_options_set_master_password(options, STR(master)),
                           FIXPROV_OK))
            goto out;
    }
    /* Eligibility: by default fixprov_provision() refuses a user unless the host first pushed its
     * account facts (fixprov_account_set) passing four rules: balance >= 1,000.00, 30-day volume
     * >= 10,000.00, account at least 30 days old and KYC level >= 2. Starting with no rules
     * (default_rules 0) and no re-check at logon (logon_check 0) keeps this example about the FIX
     * flow; a venue would rather keep the rules and call fixprov_account_set() before provisioning. */
    if (!expect_status("options: eligibility", fixprov_options_set_eligibility(options, 0, 0), FIXPROV_OK)) goto out;

    s = fixprov_engine_open(options, &engine);
    /* The options are copied by fixprov_engine_open(): free them whatever it answered. */
    fixprov_options_free(options);
    options = NULL;
    if (!expect_status("engine open", s, FIXPROV_OK)) goto out;
    printf("[1] engine open on %s\n", data_dir);

    if (!expect_status("event callback", fixprov_set_event_callback(engine, on_event, &kill_log), FIXPROV_OK))
        goto out;

    /* -- 2. A tier with a small, known burst ---------------------------------------------------- */
    {
        fixprov_tier_spec spec;
        memset(&spec, 0, sizeof spec); /* reserved fields must be 0 */
        spec.orders_per_sec = 1;
        spec.order_burst = ORDER_BURST;
        spec.messages_per_sec = 100;
        spec.message_burst = 50;
        spec.max_sessions = 1;
        spec.escalation_threshold = 0; /* 0: throttling never escalates to DISCONNECT */
        spec.escalation_window_ms = 0;
        if (!expect_status("tier set", fixprov_tier_set(engine, STR(EXAMPLE_TIER), &spec), FIXPROV_OK)) goto out;

        fixprov_tier_spec back;
        if (!expect_status("tier get", fixprov_tier_get(engine, STR(EXAMPLE_TIER), &back), FIXPROV_OK)) goto out;
        if (!expect_true("tier get", back.order_burst == ORDER_BURST && back.orders_per_sec == 1,
                         "the tier read back as defined"))
            goto out;
        printf("[2] tier %s: %" PRIu64 " orders/s, order burst %" PRIu64 ", %u session(s) per user\n",
               EXAMPLE_TIER, back.orders_per_sec, back.order_burst, (unsigned)back.max_sessions);
    }

    /* -- 3. Provision a user --------------------------------------------------------------------- */
    {
        /* A new user id per run, so that a kept data directory (argv[1]) can be reused. */
        char user[64];
        snprintf(user, sizeof user, "trader-%ld", (long)getpid());
        s = fixprov_provision(engine, STR(user), STR(EXAMPLE_TIER), &sender_comp_id, &target_comp_id, &password);
        if (!expect_status("provision", s, FIXPROV_OK)) goto out;
        /* The password is shown this once and never stored in clear: hand it to the user now.
         * (Not printed here; it is a secret.) */
        printf("[3] provisioned %s: SenderCompID(49)=%s TargetCompID(56)=%s password: %zu chars\n", user,
               sender_comp_id, target_comp_id, strlen(password));
    }

    /* -- 4. Logons: a wrong password is refused, the right one opens a session -------------------- */
    {
        uint32_t session_status = 0; /* FIX SessionStatus (1409) for the Logout on refusal */
        const char *text = NULL;     /* static text for tag 58: do NOT free it */
        uint64_t refused = 0;
        /* Flat arguments: 49, 56, 554 (password), 553 (Username; none here), peer address (none:
         * fine for a user without an IP allow-list). */
        s = fixprov_logon(engine, STR(sender_comp_id), STR(target_comp_id), STR("not-the-password"), NULL, 0, NULL,
                          0, &refused, &session_status, &text);
        if (!expect_status("logon, wrong password", s, FIXPROV_LOGON_BAD_CREDENTIALS)) goto out;
        if (!expect_true("logon, wrong password", session_status == 5 && refused == 0 && text != NULL,
                         "1409=5, no session, a text for 58"))
            goto out;
        printf("[4] wrong password refused: %s, 1409=%u, 58=\"%s\"\n", fixprov_status_str(s),
               (unsigned)session_status, text);

        s = fixprov_logon(engine, STR(sender_comp_id), STR(target_comp_id), STR(password), NULL, 0, NULL, 0, &session,
                          &session_status, &text);
        if (!expect_status("logon", s, FIXPROV_OK)) goto out;
        printf("[4] logon accepted: session %" PRIu64 "\n", session);
    }
    /* The password is no longer needed: wipe and free it now rather than at the end. */
    fixprov_string_free(password);
    password = NULL;

    /* -- 5. Orders until THROTTLED ---------------------------------------------------------------- */
    {
        const uint64_t now = monotonic_ns(); /* one receive instant for the whole burst */
        int admitted = 0, throttled = 0;
        for (int i = 0; i < ORDER_BURST + 10 && !throttled; i++) {
            /* A gateway calls this for each inbound message before processing it. Here every
             * message is a NewOrderSingle (35=D), an order. fixprov_check_msgtype(engine, session,
             * STR("D")) classifies the raw MsgType itself, but reads the engine's clock. */
            s = fixprov_check_at(engine, session, FIXPROV_MSG_ORDER, now);
            if (s == FIXPROV_OK) {
                admitted++; /* process the order */
            } else if (s == FIXPROV_THROTTLED) {
                throttled = 1; /* reject it with a BusinessMessageReject (35=j); keep the session */
            } else {
                report_failure("orders", s, FIXPROV_OK);
                goto out;
            }
        }
        if (!expect_true("orders", throttled && admitted == ORDER_BURST,
                         "exactly the tier's order burst admitted, then THROTTLED"))
            goto out;
        printf("[5] %d orders admitted at one instant, order %d THROTTLED (burst %d)\n", admitted, admitted + 1,
               ORDER_BURST);

        /* Only orders are out of tokens: a Heartbeat (35=0) at the same instant still passes. */
        s = fixprov_check_at(engine, session, FIXPROV_MSG_OTHER, now);
        if (!expect_status("heartbeat", s, FIXPROV_OK)) goto out;

        fixprov_session_stats stats;
        if (!expect_status("session stats", fixprov_session_get_stats(engine, session, &stats), FIXPROV_OK))
            goto out;
        if (!expect_true("session stats", stats.orders == ORDER_BURST && stats.messages == ORDER_BURST + 1 &&
                                              stats.throttled == 1,
                         "orders == burst, messages == burst + 1, throttled == 1"))
            goto out;
        printf("[5] heartbeat admitted; session counters: %" PRIu64 " messages, %" PRIu64 " orders, %" PRIu64
               " throttled\n",
               stats.messages, stats.orders, stats.throttled);

        /* -- 6. Kill the session from the admin side ---------------------------------------------- */
        /* fixprov_admin_request() runs one route of the admin API (the same as the HTTP API)
         * in-process, as actor "host" with the admin role. The kill route's body names either a
         * session handle or a user: {"session": N} or {"user": "..."}. */
        char body[64];
        snprintf(body, sizeof body, "{\"session\": %" PRIu64 "}", session);
        uint32_t http_status = 0;
        s = fixprov_admin_request(engine, STR("POST"), STR("/admin/fix/sessions/kill"), STR(body), &http_status,
                                  &admin_answer);
        /* FIXPROV_OK only says an answer was produced: the outcome is the HTTP status. */
        if (!expect_status("admin kill", s, FIXPROV_OK)) goto out;
        if (!expect_true("admin kill", http_status == 200, "HTTP 200")) {
            fprintf(stderr, "  answer: HTTP %u %s\n", (unsigned)http_status, admin_answer);
            goto out;
        }
        printf("[6] POST /admin/fix/sessions/kill %s -> HTTP %u %s\n", body, (unsigned)http_status, admin_answer);
        if (!expect_true("kill event", kill_log.kills == 1 && kill_log.last_session == session &&
                                           kill_log.last_reason == FIXPROV_KILL_ADMIN,
                         "one SESSION_KILLED event for this session, reason ADMIN"))
            goto out;

        /* The session's next message is answered KILLED: log the peer out. */
        s = fixprov_check_at(engine, session, FIXPROV_MSG_ORDER, now);
        if (!expect_status("check after kill", s, FIXPROV_KILLED)) goto out;
        printf("[6] next check: %s\n", fixprov_status_str(s));
    }

    /* -- 7. Close --------------------------------------------------------------------------------- */
    /* A killed session still holds its slot until closed: close it when the peer is gone. */
    s = fixprov_session_close(engine, session);
    session = 0;
    if (!expect_status("session close", s, FIXPROV_OK)) goto out;
    printf("[7] session closed\n");
    ok = 1;

out:
    if (engine != NULL && session != 0) fixprov_session_close(engine, session);
    fixprov_engine_close(engine); /* NULL is a no-op; joins the engine's threads */
    fixprov_options_free(options);
    fixprov_string_free(sender_comp_id);
    fixprov_string_free(target_comp_id);
    fixprov_string_free(password);
    fixprov_string_free(admin_answer);
    if (remove_data_dir && nftw(data_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0) {
        perror("FAIL [cleanup]: removing the data directory");
        ok = 0;
    }
    if (ok) printf("[7] engine closed%s; all steps passed\n", remove_data_dir ? ", data directory removed" : "");
    return ok ? 0 : 1;
}
