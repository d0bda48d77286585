// Unit test of fixprov.hpp against the shared library. Run by e2e.sh under valgrind memcheck
// (no definite or indirect leak, no invalid access). Exits non-zero on any failed expectation.
#include "fixprov.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>

namespace {
int failures = 0;

#define EXPECT(cond)                                                                                              \
    do {                                                                                                          \
        if (!(cond)) {                                                                                            \
            std::fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);                              \
            ++failures;                                                                                           \
        }                                                                                                         \
    } while (0)

// Runs f, expects a fixprov::Error with the given status and a non-empty text naming the call.
template <class F> void expect_error(fixprov_status expected, const char *call, F f, int line) {
    try {
        f();
        std::fprintf(stderr, "%s:%d: expected fixprov::Error %s, nothing thrown\n", __FILE__, line,
                     fixprov::status_name(expected));
        ++failures;
    } catch (const fixprov::Error &e) {
        if (e.status() != expected || std::strstr(e.what(), call) == nullptr) {
            std::fprintf(stderr, "%s:%d: expected %s from %s, got %s: %s\n", __FILE__, line,
                         fixprov::status_name(expected), call, fixprov::status_name(e.status()), e.what());
            ++failures;
        }
    }
}
#define EXPECT_ERROR(status, call, ...) expect_error(status, call, [&] { __VA_ARGS__; }, __LINE__)

bool contains(const fixprov::OwnedString &s, const char *needle) { return std::strstr(s.c_str(), needle) != nullptr; }

fixprov_tier_spec tier(std::uint64_t rate, std::uint64_t burst, std::uint32_t max_sessions,
                       std::uint32_t escalation_threshold = 0) {
    fixprov_tier_spec t;
    std::memset(&t, 0, sizeof t);
    t.orders_per_sec = rate;
    t.messages_per_sec = rate;
    t.order_burst = burst;
    t.message_burst = burst;
    t.max_sessions = max_sessions;
    t.escalation_threshold = escalation_threshold;
    t.escalation_window_ms = 1000;
    return t;
}
} // namespace

static_assert(!std::is_copy_constructible<fixprov::Engine>::value, "Engine is move-only");
static_assert(!std::is_copy_constructible<fixprov::Session>::value, "Session is move-only");
static_assert(!std::is_copy_constructible<fixprov::OwnedString>::value, "OwnedString is move-only");
static_assert(std::is_nothrow_move_constructible<fixprov::Session>::value, "Session moves without throwing");
static_assert(noexcept(std::declval<fixprov::Session &>().check_msgtype("D", 1)), "the hot path is noexcept");
static_assert(noexcept(std::declval<fixprov::Engine &>().check(1, FIXPROV_MSG_ORDER)), "the hot path is noexcept");

int main() {
    ::unsetenv("FIX_MASTER_PASSWORD"); // the no-password case below must not find one
    EXPECT(std::strcmp(fixprov::version(), FIXPROV_VERSION_STRING) == 0);
    EXPECT(std::strcmp(fixprov::status_name(FIXPROV_THROTTLED), "throttled") == 0);
    EXPECT(fixprov::must_logout(FIXPROV_KILLED) && fixprov::must_logout(FIXPROV_DISCONNECT));
    EXPECT(!fixprov::must_logout(FIXPROV_THROTTLED) && !fixprov::must_logout(FIXPROV_OK));

    // Options: a bad value throws with the status and the library's text; good ones chain.
    {
        fixprov::Options bad;
        EXPECT_ERROR(FIXPROV_ERR_INVALID_ARGUMENT, "fixprov_options_set_clock", bad.clock(FIXPROV_CLOCK_COARSE, 0));
        EXPECT_ERROR(FIXPROV_ERR_INVALID_ARGUMENT, "fixprov_options_set_pbkdf2_iterations",
                     bad.pbkdf2_iterations(1000));
        EXPECT_ERROR(FIXPROV_ERR_INVALID_ARGUMENT, "fixprov_options_set_data_dir", bad.data_dir(""));
        // A data directory without a master password is refused at open (FIX_MASTER_PASSWORD unset
        // by e2e.sh for this test).
        fixprov::Options no_password;
        no_password.data_dir("/nonexistent/fixprov-wrapper-test");
        EXPECT_ERROR(FIXPROV_ERR_INVALID_ARGUMENT, "fixprov_engine_open", fixprov::Engine e(no_password));
    }

    {
        fixprov::Options pooled;
        EXPECT_ERROR(FIXPROV_ERR_INVALID_ARGUMENT, "fixprov_options_set_comp_id_pool", pooled.comp_id_pool(100001));
        pooled.comp_id_pool(2).eligibility(false, false);
        fixprov::Engine e(pooled);
        EXPECT(std::string(e.provision("pooled").sender_comp_id.c_str()) == "FP00001");
    }

    fixprov::Options options;
    options.max_sessions(64).clock(FIXPROV_CLOCK_COARSE, 500).order_msgtypes("D,F,G").comp_ids("VENUE", "T").eligibility(
        false, false);
    fixprov::Engine engine(options);
    EXPECT(static_cast<bool>(engine));

    // Events through a std::function; the handler copies what it needs.
    std::atomic<int> kills(0);
    std::string last_user;
    std::atomic<std::uint64_t> last_session(0);
    engine.set_event_handler([&](const fixprov_event &ev) {
        if (ev.kind == FIXPROV_EVENT_SESSION_KILLED) {
            last_user = fixprov::event_user(ev);
            last_session = ev.session;
            ++kills;
        }
    });

    // Tiers.
    engine.tier_set("tight", tier(1, 5, 1));
    EXPECT(engine.tier_get("tight").message_burst == 5);
    EXPECT_ERROR(FIXPROV_ERR_NOT_FOUND, "fixprov_tier_get", engine.tier_get("nope"));
    EXPECT_ERROR(FIXPROV_ERR_INVALID_ARGUMENT, "fixprov_tier_set", engine.tier_set("bad name!", tier(1, 5, 1)));

    // Provisioning: three owned strings, the password shown once.
    fixprov::Credentials alice = engine.provision("alice", "tight");
    EXPECT(std::strcmp(alice.sender_comp_id.c_str(), "T_ALICE") == 0);
    EXPECT(std::strcmp(alice.target_comp_id.c_str(), "VENUE") == 0);
    EXPECT(alice.password.size() == 43);
    EXPECT_ERROR(FIXPROV_ERR_ALREADY_EXISTS, "fixprov_provision", engine.provision("alice"));
    EXPECT_ERROR(FIXPROV_ERR_NOT_FOUND, "fixprov_provision", engine.provision("bob", "no-such-tier"));
    EXPECT_ERROR(FIXPROV_ERR_NOT_FOUND, "fixprov_suspend", engine.suspend("nobody"));

    // Logon: a refusal is a result (1409 and 58), not an exception.
    {
        fixprov::LogonResult r = engine.logon(alice.sender_comp_id.c_str(), "VENUE", "wrong", "alice");
        EXPECT(!r.accepted() && !r);
        EXPECT(r.status() == FIXPROV_LOGON_BAD_CREDENTIALS && r.session_status() == 5);
        EXPECT(std::strcmp(r.text(), "Invalid username or password") == 0);
        EXPECT(!r.session());
    }
    {
        fixprov::LogonResult r = engine.logon("T_NOBODY", "VENUE", "whatever");
        EXPECT(r.status() == FIXPROV_LOGON_UNKNOWN_COMP_ID && r.session_status() == 5);
    }
    EXPECT_ERROR(FIXPROV_ERR_INVALID_ARGUMENT, "fixprov_logon",
                 engine.logon(alice.sender_comp_id.c_str(), "VENUE", alice.password.c_str(), "", "not-an-ip"));

    fixprov::LogonResult accepted = engine.logon(alice.sender_comp_id.str(), alice.target_comp_id.str(),
                                                 alice.password.str(), "alice", fixprov::StrRef());
    EXPECT(accepted.accepted() && accepted.status() == FIXPROV_OK && std::strcmp(accepted.text(), "") == 0);
    fixprov::Session session = accepted.take_session();
    EXPECT(static_cast<bool>(session) && !accepted.session());

    // max_sessions 1: a second logon is refused with 1409=7.
    {
        fixprov::LogonResult second = engine.logon(alice.sender_comp_id.c_str(), "VENUE", alice.password.c_str());
        EXPECT(second.status() == FIXPROV_LOGON_SESSION_LIMIT && second.session_status() == 7);
        EXPECT(std::strcmp(second.text(), "Session limit reached") == 0);
        EXPECT_ERROR(FIXPROV_ERR_LIMIT_REACHED, "fixprov_session_open", engine.session_open("alice"));
    }

    // The hot path, on a single owner's session (this thread is its only checker): a burst of 8 at
    // one instant on a burst of 5; errors come back as statuses.
    session.set_mode(FIXPROV_MODE_SINGLE_OWNER);
    EXPECT_ERROR(FIXPROV_ERR_INVALID_ARGUMENT, "fixprov_session_set_mode",
                 session.set_mode(static_cast<fixprov_check_mode>(9)));
    int ok = 0, throttled = 0;
    for (int i = 0; i < 8; ++i) {
        fixprov_status s = session.check_at(FIXPROV_MSG_ORDER, 1000000000ull);
        if (s == FIXPROV_OK) ++ok;
        if (s == FIXPROV_THROTTLED) ++throttled;
    }
    EXPECT(ok == 5 && throttled == 3);
    EXPECT(session.check_msgtype("35=D", 4) == FIXPROV_ERR_INVALID_ARGUMENT);
    EXPECT(engine.check(0, FIXPROV_MSG_OTHER) == FIXPROV_ERR_STALE_HANDLE);
    fixprov_session_stats st = session.stats();
    EXPECT(st.orders == 5 && st.messages == 5 && st.throttled == 3 && st.kill_reason == FIXPROV_KILL_NONE);
    EXPECT(engine.user_violations("alice") == 3);
    session.reset_violations();
    engine.user_reset_violations("alice");
    EXPECT(engine.user_violations("alice") == 0);

    // A batch of messages read together: decided as single checks at its instant (no order token
    // left at 1 s); an unknown class refuses the whole batch and writes nothing.
    {
        const std::uint32_t classes[3] = {FIXPROV_MSG_ORDER, FIXPROV_MSG_OTHER, FIXPROV_MSG_ORDER};
        fixprov_status out[3] = {FIXPROV_OK, FIXPROV_OK, FIXPROV_OK};
        session.prefetch();
        EXPECT(session.check_batch_at(classes, 3, out, 1000000000ull) == FIXPROV_OK);
        EXPECT(out[0] == FIXPROV_THROTTLED && out[2] == FIXPROV_THROTTLED);
        const std::uint32_t bad[2] = {FIXPROV_MSG_ORDER, 7};
        fixprov_status untouched[2] = {FIXPROV_KILLED, FIXPROV_KILLED};
        EXPECT(session.check_batch_at(bad, 2, untouched, 1000000000ull) == FIXPROV_ERR_INVALID_ARGUMENT);
        EXPECT(untouched[0] == FIXPROV_KILLED && untouched[1] == FIXPROV_KILLED);
        EXPECT(session.check_batch(nullptr, 0, nullptr) == FIXPROV_OK);
        session.reset_violations();
    }

    // JSON reads come back as owned strings (freed by their destructors).
    EXPECT(contains(engine.sessions_json("alice"), "\"user\":\"alice\""));
    EXPECT(contains(engine.credentials_json("alice"), "\"live_sessions\":1"));
    EXPECT(!contains(engine.credentials_json("alice"), alice.password.c_str()));
    EXPECT(contains(engine.stats_json(), "\"throttled\""));

    // A kill through the admin command layer: the handler runs, the next check answers KILLED.
    {
        fixprov::AdminResponse r = engine.admin_request("POST", "/admin/fix/sessions/kill", "{\"user\":\"alice\"}");
        EXPECT(r.http_status == 200 && contains(r.body, "\"killed\":1"));
        fixprov::AdminResponse bad = engine.admin_request("POST", "/admin/fix/sessions/kill", "{\"nope\":1}");
        EXPECT(bad.http_status == 400 && contains(bad.body, "\"error\""));
    }
    EXPECT(kills == 1 && last_user == "alice" && last_session == session.handle());
    EXPECT(session.check_msgtype("D", 1) == FIXPROV_KILLED);
    EXPECT(session.stats().kill_reason == FIXPROV_KILL_USER); // killed by user id

    // Session ownership: moving transfers the handle; close twice is harmless.
    fixprov::Session moved(std::move(session));
    EXPECT(!session && static_cast<bool>(moved));
    fixprov::SessionHandle h = moved.handle();
    EXPECT(moved.close() == FIXPROV_OK);
    EXPECT(moved.close() == FIXPROV_OK); // empty now: nothing to close
    EXPECT(fixprov_session_close(engine.get(), h) == FIXPROV_ERR_STALE_HANDLE);
    EXPECT_ERROR(FIXPROV_ERR_STALE_HANDLE, "fixprov_session_kill", engine.session_kill(h));

    // Life cycle: suspend refuses logon (1409=6), reactivate lets it in, a Session closes itself.
    engine.suspend("alice");
    {
        fixprov::LogonResult r = engine.logon(alice.sender_comp_id.c_str(), "VENUE", alice.password.c_str());
        EXPECT(r.status() == FIXPROV_LOGON_SUSPENDED && r.session_status() == 6);
        EXPECT(std::strcmp(r.text(), "Account suspended") == 0);
    }
    engine.reactivate("alice");
    {
        fixprov::LogonResult r = engine.logon(alice.sender_comp_id.c_str(), "VENUE", alice.password.c_str());
        EXPECT(r.accepted());
        EXPECT(r.session().check_msgtype(std::string("0")) == FIXPROV_OK);
    } // closed here: the slot is free again
    {
        fixprov::Session again = engine.session_open("alice");
        EXPECT(static_cast<bool>(again));
        EXPECT(engine.user_kill("alice") == 1);
        EXPECT(again.check(FIXPROV_MSG_OTHER) == FIXPROV_KILLED);
    }
    EXPECT(kills == 2);

    // Password rotation: the old one stops at once without overlap.
    fixprov::OwnedString fresh = engine.regenerate_password("alice");
    EXPECT(fresh.size() == 43 && std::strcmp(fresh.c_str(), alice.password.c_str()) != 0);
    EXPECT(engine.logon(alice.sender_comp_id.c_str(), "VENUE", alice.password.c_str()).status() ==
           FIXPROV_LOGON_BAD_CREDENTIALS);
    EXPECT(engine.logon(alice.sender_comp_id.c_str(), "VENUE", fresh.c_str()).accepted());

    // Allow-lists: with no peer address (as QuickFIX C++ gives none) a listed user is refused.
    engine.ip_allow("alice", "10.0.0.0/8");
    EXPECT(engine.logon(alice.sender_comp_id.c_str(), "VENUE", fresh.c_str()).status() == FIXPROV_LOGON_IP_NOT_ALLOWED);
    EXPECT(engine.logon(alice.sender_comp_id.c_str(), "VENUE", fresh.c_str(), "", "10.1.2.3:4000").accepted());
    engine.ip_disallow("alice", "10.0.0.0/8");

    // Eligibility through the wrapper.
    engine.account_set("carol", "{\"kyc_level\": 3}");
    EXPECT(contains(engine.evaluate("carol"), "\"eligible\":true"));
    engine.rule_add("{\"id\": \"min_kyc_level\", \"min_kyc_level\": 2}");
    EXPECT(contains(engine.rules_json(), "min_kyc_level"));
    engine.rule_change("min_kyc_level", fixprov::RuleAction::Disable);
    EXPECT_ERROR(FIXPROV_ERR_INVALID_ARGUMENT, "fixprov_account_set", engine.account_set("carol", "{\"balance\": 1}"));
    fixprov::OwnedString report = engine.reevaluate(false);
    EXPECT(contains(report, "\"checked\""));

    // Expiry and revocation; audit chain intact.
    engine.set_expiry("alice", 0);
    engine.revoke("alice");
    EXPECT(engine.logon(alice.sender_comp_id.c_str(), "VENUE", fresh.c_str()).status() == FIXPROV_LOGON_REVOKED);
    EXPECT_ERROR(FIXPROV_ERR_INVALID_STATE, "fixprov_reactivate", engine.reactivate("alice"));
    EXPECT(contains(engine.audit_verify(), "\"ok\":true"));
    EXPECT(contains(engine.audit_query("{\"subject\": \"alice\", \"limit\": 5}"), "\"seq\""));

    // The admin HTTP server starts on a free loopback port and stops (its thread joined).
    std::uint16_t port = engine.admin_start("127.0.0.1:0",
                                            "[{\"name\":\"t\",\"role\":\"viewer\",\"token\":"
                                            "\"0123456789abcdef0123456789abcdef\"}]");
    EXPECT(port != 0);
    engine.admin_stop();
    EXPECT_ERROR(FIXPROV_ERR_INVALID_ARGUMENT, "fixprov_admin_start",
                 engine.admin_start("127.0.0.1:0", "[{\"name\":\"t\",\"role\":\"viewer\",\"token\":\"short\"}]"));

    // Engines move; a moved-from engine is empty and its destructor does nothing.
    fixprov::Engine other(std::move(engine));
    EXPECT(!engine && static_cast<bool>(other));
    fixprov::Engine third;
    third = std::move(other);
    EXPECT(!other && static_cast<bool>(third));
    third.set_event_handler([](const fixprov_event &) { throw 42; }); // swallowed at the boundary
    third.user_set_tier("dave", "basic");
    {
        fixprov::Session s = third.session_open("dave");
        EXPECT(third.user_kill("dave") == 1);
        EXPECT(s.check(FIXPROV_MSG_OTHER) == FIXPROV_KILLED);
    }
    third.close();
    EXPECT(!third);

    if (failures != 0) {
        std::fprintf(stderr, "wrapper_test: %d failure(s)\n", failures);
        return 1;
    }
    std::printf("wrapper_test: all expectations met\n");
    return 0;
}
