/* fixprov from C: the core contract end to end through the shared library.
 * Built and run by .ci/run (tests/c/Makefile); exits non-zero on any surprise. */
#include "fixprov.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define EXPECT(cond)                                                                               \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: expected %s (last error: %s)\n", __FILE__, __LINE__, #cond,    \
                    fixprov_last_error());                                                         \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

#define S(text) (const uint8_t *)(text), strlen(text)

struct seen {
    int kills;
    uint64_t last_session;
    char user[64];
};

static void on_event(void *context, const fixprov_event *event) {
    struct seen *seen = (struct seen *)context;
    if (event->kind == FIXPROV_EVENT_SESSION_KILLED) {
        seen->kills++;
        seen->last_session = event->session;
        size_t n = event->user_id_len < sizeof seen->user - 1 ? event->user_id_len : sizeof seen->user - 1;
        memcpy(seen->user, event->user_id, n);
        seen->user[n] = '\0';
    }
}

int main(void) {
    EXPECT(strcmp(fixprov_version(), FIXPROV_VERSION_STRING) == 0);
    EXPECT(strcmp(fixprov_status_str(FIXPROV_THROTTLED), "throttled") == 0);

    fixprov_options *options = fixprov_options_new();
    EXPECT(options != NULL);
    EXPECT(fixprov_options_set_max_sessions(options, 1024) == FIXPROV_OK);
    EXPECT(fixprov_options_set_clock(options, 99, 1) == FIXPROV_ERR_INVALID_ARGUMENT);
    fixprov_engine *engine = NULL;
    EXPECT(fixprov_engine_open(options, &engine) == FIXPROV_OK);
    fixprov_options_free(options);
    if (engine == NULL) return 1;

    fixprov_tier_spec basic;
    EXPECT(fixprov_tier_get(engine, S("basic"), &basic) == FIXPROV_OK);
    EXPECT(basic.orders_per_sec == 5 && basic.messages_per_sec == 20 && basic.order_burst == 10);
    EXPECT(fixprov_user_set_tier(engine, S("acme"), S("basic")) == FIXPROV_OK);

    uint64_t session = 0;
    EXPECT(fixprov_session_open(engine, S("acme"), &session) == FIXPROV_OK);
    uint64_t second = 0;
    EXPECT(fixprov_session_open(engine, S("acme"), &second) == FIXPROV_ERR_LIMIT_REACHED);
    EXPECT(second == 0);

    /* A burst of 15 orders at one instant: the basic tier admits its burst of 10. */
    int ok = 0, throttled = 0;
    for (int i = 0; i < 15; i++) {
        fixprov_status s = fixprov_check_at(engine, session, FIXPROV_MSG_ORDER, 1000000000ull);
        if (s == FIXPROV_OK) ok++;
        else if (s == FIXPROV_THROTTLED) throttled++;
    }
    EXPECT(ok == 10 && throttled == 5);
    EXPECT(fixprov_check_msgtype(engine, session, S("35=D")) == FIXPROV_ERR_INVALID_ARGUMENT);

    struct seen seen = {0, 0, ""};
    EXPECT(fixprov_set_event_callback(engine, on_event, &seen) == FIXPROV_OK);
    EXPECT(fixprov_session_kill(engine, session) == FIXPROV_OK);
    EXPECT(seen.kills == 1 && seen.last_session == session && strcmp(seen.user, "acme") == 0);
    EXPECT(fixprov_check_msgtype(engine, session, S("D")) == FIXPROV_KILLED);

    fixprov_session_stats stats;
    EXPECT(fixprov_session_get_stats(engine, session, &stats) == FIXPROV_OK);
    EXPECT(stats.orders == 10 && stats.throttled == 5 && stats.kill_reason == FIXPROV_KILL_ADMIN);

    char *json = NULL;
    EXPECT(fixprov_sessions_json(engine, S("acme"), &json) == FIXPROV_OK);
    EXPECT(json != NULL && strstr(json, "\"user\":\"acme\"") != NULL);
    fixprov_string_free(json);

    EXPECT(fixprov_session_close(engine, session) == FIXPROV_OK);
    EXPECT(fixprov_session_close(engine, session) == FIXPROV_ERR_STALE_HANDLE);
    EXPECT(fixprov_check(engine, session, FIXPROV_MSG_OTHER) == FIXPROV_ERR_STALE_HANDLE);
    EXPECT(fixprov_check(NULL, session, FIXPROV_MSG_OTHER) == FIXPROV_ERR_NULL);
    EXPECT(fixprov_session_open(engine, NULL, 4, &session) == FIXPROV_ERR_NULL);

    /* Eligibility: with the default rules, a user with no known facts is refused, with the failing
     * rules listed; pushing qualifying facts makes it eligible. */
    char *sender = NULL, *target = NULL, *password = NULL;
    EXPECT(fixprov_provision(engine, S("smoke-user"), S("standard"), &sender, &target, &password) ==
           FIXPROV_ERR_NOT_ELIGIBLE);
    EXPECT(strstr(fixprov_last_error(), "min_kyc_level") != NULL);
    EXPECT(password == NULL);
    EXPECT(fixprov_account_set(engine, S("smoke-user"), S("{\"balance\": 1000}")) ==
           FIXPROV_ERR_INVALID_ARGUMENT); /* money is never a JSON number */
    EXPECT(fixprov_account_set(
               engine, S("smoke-user"),
               S("{\"balance\": {\"amount\": \"2500.00\", \"currency\": \"USD\"}, "
                 "\"volume_30d\": {\"amount\": \"50000.00\", \"currency\": \"USD\"}, "
                 "\"account_created_unix_ms\": 1600000000000, \"kyc_level\": 2}")) == FIXPROV_OK);
    char *verdict = NULL;
    EXPECT(fixprov_evaluate(engine, S("smoke-user"), &verdict) == FIXPROV_OK);
    EXPECT(verdict != NULL && strstr(verdict, "\"eligible\":true") != NULL);
    fixprov_string_free(verdict);

    /* Credentials: provision, log on with the returned password from a peer address, check a
     * message, revoke, and see the live session answer KILLED. Every returned string is freed. */
    EXPECT(fixprov_provision(engine, S("smoke-user"), S("standard"), &sender, &target, &password) ==
           FIXPROV_OK);
    if (sender == NULL || target == NULL || password == NULL) {
        fprintf(stderr, "smoke: provisioning returned no credential\n");
        fixprov_string_free(sender);
        fixprov_string_free(target);
        fixprov_string_free(password);
        fixprov_engine_close(engine);
        return 1;
    }
    EXPECT(strcmp(sender, "FP_SMOKE-USER") == 0 && strcmp(target, "FIXPROV") == 0);
    EXPECT(strlen(password) == 43);
    char *again = NULL;
    EXPECT(fixprov_provision(engine, S("smoke-user"), NULL, 0, NULL, NULL, &again) ==
           FIXPROV_ERR_ALREADY_EXISTS);
    EXPECT(again == NULL);

    uint64_t logged_on = 0;
    uint32_t status_1409 = 0;
    const char *text = NULL;
    EXPECT(fixprov_logon(engine, S(sender), S(target), S("wrong password"), NULL, 0, S("203.0.113.7"),
                         &logged_on, &status_1409, &text) == FIXPROV_LOGON_BAD_CREDENTIALS);
    EXPECT(logged_on == 0 && status_1409 == 5 && text != NULL &&
           strcmp(text, "Invalid username or password") == 0);
    EXPECT(fixprov_logon(engine, S(sender), S(target), S(password), S("smoke-user"),
                         S("203.0.113.7:5001"), &logged_on, &status_1409, &text) == FIXPROV_OK);
    EXPECT(logged_on != 0);
    EXPECT(fixprov_check_msgtype(engine, logged_on, S("D")) == FIXPROV_OK);
    EXPECT(fixprov_check(engine, logged_on, FIXPROV_MSG_OTHER) == FIXPROV_OK);

    char *credentials = NULL;
    EXPECT(fixprov_credentials_get(engine, S("smoke-user"), &credentials) == FIXPROV_OK);
    EXPECT(credentials != NULL && strstr(credentials, "\"status\":\"active\"") != NULL &&
           strstr(credentials, "\"live_sessions\":1") != NULL && strstr(credentials, password) == NULL);
    fixprov_string_free(credentials);

    int kills_before = seen.kills;
    EXPECT(fixprov_revoke(engine, S("smoke-user")) == FIXPROV_OK);
    EXPECT(seen.kills == kills_before + 1 && seen.last_session == logged_on &&
           strcmp(seen.user, "smoke-user") == 0);
    EXPECT(fixprov_check_msgtype(engine, logged_on, S("D")) == FIXPROV_KILLED);
    EXPECT(fixprov_session_get_stats(engine, logged_on, &stats) == FIXPROV_OK);
    EXPECT(stats.kill_reason == FIXPROV_KILL_REVOKED && stats.orders == 1);
    uint64_t refused = 0;
    EXPECT(fixprov_logon(engine, S(sender), S(target), S(password), NULL, 0, S("203.0.113.7"), &refused,
                         &status_1409, &text) == FIXPROV_LOGON_REVOKED);
    EXPECT(refused == 0 && status_1409 == 6);
    EXPECT(fixprov_reactivate(engine, S("smoke-user")) == FIXPROV_ERR_INVALID_STATE);
    EXPECT(fixprov_session_close(engine, logged_on) == FIXPROV_OK);
    fixprov_string_free(sender);
    fixprov_string_free(target);
    fixprov_string_free(password);

    fixprov_engine_close(engine);
    fixprov_engine_close(NULL);
    if (failures != 0) {
        fprintf(stderr, "smoke: %d failure(s)\n", failures);
        return 1;
    }
    printf("smoke: 0 failures\n");
    return 0;
}
