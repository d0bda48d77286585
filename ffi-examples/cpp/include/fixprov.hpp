// fixprov.hpp: a header-only C++14 wrapper over the fixprov C API (include/fixprov.h).
//
// * Ownership is RAII with unique_ptr semantics: Engine, Options, Session (a session handle that
//   closes itself) and OwnedString (a string the library handed out, wiped and freed with
//   fixprov_string_free) are move-only and release what they hold exactly once.
// * Cold-path calls (provisioning, life cycle, tiers, admin, JSON reads) throw fixprov::Error, which
//   carries the fixprov_status and the text of fixprov_last_error() on the calling thread.
// * A logon refusal is an answer, not an error: Engine::logon returns a LogonResult holding either
//   the accepted Session or the refusal's status, FIX SessionStatus (1409) value and text (58).
// * The hot path (Session::check, Session::check_msgtype, Engine::check*) is inline, noexcept,
//   allocation-free and returns the raw fixprov_status: FIXPROV_OK (process), FIXPROV_THROTTLED
//   (reject with 35=j, keep the session), FIXPROV_DISCONNECT / FIXPROV_KILLED (log the session out).
//
// Lifetimes: a Session holds the engine pointer it came from, so destroy (or close) every Session
// before its Engine. Closing an engine makes every handle of it meaningless (see fixprov.h).
//
// Requires C++14 (QuickFIX 1.15.1's headers do not build as C++17); works as C++17 too.
#ifndef FIXPROV_HPP
#define FIXPROV_HPP

#include "fixprov.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#if !defined(_MSC_VER) && __cplusplus < 201402L
#error "fixprov.hpp needs C++14 or later"
#endif

namespace fixprov {

/// A session handle as the C API issues it (never 0 when valid).
using SessionHandle = std::uint64_t;

/// The short static name of a status ("ok", "throttled", ...).
inline const char *status_name(std::uint32_t status) noexcept { return fixprov_status_str(status); }

/// The library's version, "MAJOR.MINOR.PATCH".
inline const char *version() noexcept { return fixprov_version(); }

/// True for 100..199: an error whose text is in fixprov_last_error().
inline bool is_error(fixprov_status s) noexcept { return s >= 100 && s < 200; }

/// True for the verdicts that mean "log this session out".
inline bool must_logout(fixprov_status s) noexcept { return s == FIXPROV_DISCONNECT || s == FIXPROV_KILLED; }

/// A failed cold-path call: the status it returned and the library's error text.
class Error : public std::runtime_error {
  public:
    Error(fixprov_status status, const std::string &what) : std::runtime_error(what), status_(status) {}
    /// The fixprov_status the call returned.
    fixprov_status status() const noexcept { return status_; }

  private:
    fixprov_status status_;
};

/// A borrowed UTF-8 string argument: (pointer, length), never copied. Converts implicitly from
/// std::string and NUL-terminated strings; a default (or nullptr) StrRef is the C API's (NULL, 0).
class StrRef {
  public:
    StrRef() noexcept : p_(nullptr), n_(0) {}
    StrRef(std::nullptr_t) noexcept : p_(nullptr), n_(0) {}
    StrRef(const char *s) noexcept : p_(s), n_(s ? std::strlen(s) : 0) {}
    StrRef(const char *s, std::size_t n) noexcept : p_(s), n_(n) {}
    StrRef(const std::string &s) noexcept : p_(s.data()), n_(s.size()) {}
    const std::uint8_t *data() const noexcept { return reinterpret_cast<const std::uint8_t *>(p_); }
    std::size_t size() const noexcept { return n_; }
    bool empty() const noexcept { return n_ == 0; }

  private:
    const char *p_;
    std::size_t n_;
};

namespace detail {
[[noreturn]] inline void raise(fixprov_status status, const char *call) {
    std::string text(call);
    text += ": ";
    text += fixprov_status_str(status);
    text += ": ";
    text += fixprov_last_error();
    throw Error(status, text);
}

inline void check(fixprov_status status, const char *call) {
    if (status != FIXPROV_OK) raise(status, call);
}

struct StringFree {
    void operator()(char *s) const noexcept { fixprov_string_free(s); }
};
struct OptionsFree {
    void operator()(fixprov_options *o) const noexcept { fixprov_options_free(o); }
};
struct EngineClose {
    void operator()(fixprov_engine *e) const noexcept { fixprov_engine_close(e); }
};
} // namespace detail

/// A NUL-terminated string the library allocated (JSON, a CompID, a password). Freed, and wiped
/// first, by fixprov_string_free when this goes out of scope. Copies made with str() are ordinary
/// std::strings: not wiped.
class OwnedString {
  public:
    OwnedString() noexcept = default;
    /// Takes ownership of s (NULL allowed).
    explicit OwnedString(char *s) noexcept : p_(s) {}
    const char *c_str() const noexcept { return p_ ? p_.get() : ""; }
    std::size_t size() const noexcept { return p_ ? std::strlen(p_.get()) : 0; }
    bool empty() const noexcept { return size() == 0; }
    std::string str() const { return std::string(c_str(), size()); }
    explicit operator bool() const noexcept { return static_cast<bool>(p_); }
    /// Gives the pointer up; free it with fixprov_string_free().
    char *release() noexcept { return p_.release(); }

  private:
    std::unique_ptr<char, detail::StringFree> p_;
};

/// Options for opening an engine. Setters throw Error on a bad value and chain.
class Options {
  public:
    Options() : p_(fixprov_options_new()) {
        if (!p_) throw Error(FIXPROV_ERR_INTERNAL, "fixprov_options_new: returned NULL");
    }
    Options &max_sessions(std::uint32_t n) {
        detail::check(fixprov_options_set_max_sessions(p_.get(), n), "fixprov_options_set_max_sessions");
        return *this;
    }
    Options &clock(fixprov_clock clock, std::uint32_t tick_us = 500) {
        detail::check(fixprov_options_set_clock(p_.get(), clock, tick_us), "fixprov_options_set_clock");
        return *this;
    }
    /// A comma-separated list such as "D,F,G,AB".
    Options &order_msgtypes(StrRef list) {
        detail::check(fixprov_options_set_order_msgtypes(p_.get(), list.data(), list.size()),
                      "fixprov_options_set_order_msgtypes");
        return *this;
    }
    Options &data_dir(StrRef path) {
        detail::check(fixprov_options_set_data_dir(p_.get(), path.data(), path.size()), "fixprov_options_set_data_dir");
        return *this;
    }
    /// The fleet's PostgreSQL store instead of a data directory ("postgres://user:password@host/db").
    Options &database_url(StrRef url) {
        detail::check(fixprov_options_set_database_url(p_.get(), url.data(), url.size()),
                      "fixprov_options_set_database_url");
        return *this;
    }
    /// Fleet mode's settings (docs/fleet.md): an empty id keeps the default; 0 ms keeps the default
    /// lease expiry (3 s); a grace of 0 refuses logons while the database is unreachable.
    Options &fleet(StrRef gateway_id, std::uint32_t lease_expiry_ms = 0, std::uint32_t lease_grace_ms = 0) {
        detail::check(fixprov_options_set_fleet(p_.get(), gateway_id.data(), gateway_id.size(), lease_expiry_ms,
                                                lease_grace_ms),
                      "fixprov_options_set_fleet");
        return *this;
    }
    Options &master_password(StrRef password) {
        detail::check(fixprov_options_set_master_password(p_.get(), password.data(), password.size()),
                      "fixprov_options_set_master_password");
        return *this;
    }
    /// An empty StrRef leaves that value unchanged.
    Options &comp_ids(StrRef target_comp_id, StrRef sender_comp_id_prefix = StrRef()) {
        detail::check(fixprov_options_set_comp_ids(p_.get(), target_comp_id.data(), target_comp_id.size(),
                                                   sender_comp_id_prefix.data(), sender_comp_id_prefix.size()),
                      "fixprov_options_set_comp_ids");
        return *this;
    }
    /// The least size of the SenderCompID pool (fixprov_options_set_comp_id_pool): provisioning
    /// assigns pooled CompIDs that an engine declared ahead ("FP00001", ...).
    /// The freshness window of signed logons (fixprov_options_set_logon_window): SendingTime at most
    /// back_ms behind and ahead_ms ahead of the engine's clock (defaults 5,000 and 1,000).
    Options &logon_window(std::uint32_t back_ms, std::uint32_t ahead_ms) {
        detail::check(fixprov_options_set_logon_window(p_.get(), back_ms, ahead_ms),
                      "fixprov_options_set_logon_window");
        return *this;
    }
    /// The GeoIP database for country rules (fixprov_options_set_geoip): a MaxMind .mmdb file, read
    /// at open and again when it changes; unknown_allowed lets a country that cannot be told pass.
    Options &geoip(StrRef path, bool unknown_allowed = false) {
        detail::check(fixprov_options_set_geoip(p_.get(), path.data(), path.size(), unknown_allowed ? 1 : 0),
                      "fixprov_options_set_geoip");
        return *this;
    }
    Options &comp_id_pool(std::uint32_t size) {
        detail::check(fixprov_options_set_comp_id_pool(p_.get(), size), "fixprov_options_set_comp_id_pool");
        return *this;
    }
    /// Logon attempts one SenderCompID may make within window_ms, whatever their outcome
    /// (fixprov_options_set_logon_rate; default 15 within 30,000 ms; 0 attempts: no limit).
    Options &logon_rate(std::uint32_t max_attempts, std::uint32_t window_ms) {
        detail::check(fixprov_options_set_logon_rate(p_.get(), max_attempts, window_ms),
                      "fixprov_options_set_logon_rate");
        return *this;
    }
    Options &pbkdf2_iterations(std::uint32_t iterations) {
        detail::check(fixprov_options_set_pbkdf2_iterations(p_.get(), iterations),
                      "fixprov_options_set_pbkdf2_iterations");
        return *this;
    }
    Options &eligibility(bool default_rules, bool logon_check) {
        detail::check(fixprov_options_set_eligibility(p_.get(), default_rules ? 1u : 0u, logon_check ? 1u : 0u),
                      "fixprov_options_set_eligibility");
        return *this;
    }
    /// Opens every session as a single owner's (fixprov_options_set_single_owner): for hosts that
    /// check each session on one thread at a time, as QuickFIX's acceptors do.
    Options &single_owner(bool on, bool watch = false) {
        detail::check(fixprov_options_set_single_owner(p_.get(), on ? 1u : 0u, watch ? 1u : 0u),
                      "fixprov_options_set_single_owner");
        return *this;
    }
    const fixprov_options *get() const noexcept { return p_.get(); }
    fixprov_options *get() noexcept { return p_.get(); }

  private:
    std::unique_ptr<fixprov_options, detail::OptionsFree> p_;
};

/// An open session: a handle that closes itself (fixprov_session_close) when destroyed. The engine
/// it came from must outlive it.
class Session {
  public:
    Session() noexcept = default;
    /// Adopts a handle from the C API (fixprov_session_open / fixprov_logon).
    Session(const fixprov_engine *engine, SessionHandle handle) noexcept : engine_(engine), handle_(handle) {}
    Session(Session &&o) noexcept : engine_(o.engine_), handle_(o.handle_) { o.handle_ = 0; }
    Session &operator=(Session &&o) noexcept {
        if (this != &o) {
            close();
            engine_ = o.engine_;
            handle_ = o.handle_;
            o.handle_ = 0;
        }
        return *this;
    }
    Session(const Session &) = delete;
    Session &operator=(const Session &) = delete;
    ~Session() { close(); }

    /// Closes now; FIXPROV_OK, FIXPROV_ERR_STALE_HANDLE (already closed elsewhere), or FIXPROV_OK
    /// for an empty Session. Never throws.
    fixprov_status close() noexcept {
        if (handle_ == 0) return FIXPROV_OK;
        fixprov_status s = fixprov_session_close(engine_, handle_);
        handle_ = 0;
        return s;
    }
    /// Gives the handle up without closing it.
    SessionHandle release() noexcept {
        SessionHandle h = handle_;
        handle_ = 0;
        return h;
    }
    SessionHandle handle() const noexcept { return handle_; }
    const fixprov_engine *engine() const noexcept { return engine_; }
    explicit operator bool() const noexcept { return handle_ != 0; }

    // Hot path: noexcept, no allocation, the raw verdict.
    fixprov_status check(fixprov_msg_class msg_class) const noexcept {
        return fixprov_check(engine_, handle_, msg_class);
    }
    fixprov_status check_at(fixprov_msg_class msg_class, std::uint64_t now_ns) const noexcept {
        return fixprov_check_at(engine_, handle_, msg_class, now_ns);
    }
    fixprov_status check_msgtype(const char *msgtype, std::size_t len) const noexcept {
        return fixprov_check_msgtype(engine_, handle_, reinterpret_cast<const std::uint8_t *>(msgtype), len);
    }
    fixprov_status check_msgtype(const std::string &msgtype) const noexcept {
        return check_msgtype(msgtype.data(), msgtype.size());
    }
    /// Decides n messages read together (fixprov_check_batch): out[i] receives message i's answer.
    fixprov_status check_batch(const std::uint32_t *classes, std::size_t n, fixprov_status *out) const noexcept {
        return fixprov_check_batch(engine_, handle_, classes, n, out);
    }
    fixprov_status check_batch_at(const std::uint32_t *classes, std::size_t n, fixprov_status *out,
                                  std::uint64_t now_ns) const noexcept {
        return fixprov_check_batch_at(engine_, handle_, classes, n, out, now_ns);
    }
    /// Brings the session's hot line into the cache ahead of its check (fixprov_prefetch).
    void prefetch() const noexcept { fixprov_prefetch(engine_, handle_); }
    /// Who may check this session (fixprov_session_set_mode): call it between checks.
    void set_mode(fixprov_check_mode mode) const {
        detail::check(fixprov_session_set_mode(engine_, handle_, static_cast<std::uint32_t>(mode)),
                      "fixprov_session_set_mode");
    }

    // Cold path.
    fixprov_session_stats stats() const {
        fixprov_session_stats out;
        detail::check(fixprov_session_get_stats(engine_, handle_, &out), "fixprov_session_get_stats");
        return out;
    }
    void kill() const { detail::check(fixprov_session_kill(engine_, handle_), "fixprov_session_kill"); }
    void reset_violations() const {
        detail::check(fixprov_session_reset_violations(engine_, handle_), "fixprov_session_reset_violations");
    }

  private:
    const fixprov_engine *engine_ = nullptr;
    SessionHandle handle_ = 0;
};

/// The answer to a Logon: an accepted Session, or a refusal with its FIX SessionStatus (1409) and a
/// static text safe to send as 58.
class LogonResult {
  public:
    LogonResult(fixprov_status status, std::uint32_t session_status, const char *text, Session session) noexcept
        : status_(status), session_status_(session_status), text_(text ? text : ""), session_(std::move(session)) {}
    bool accepted() const noexcept { return status_ == FIXPROV_OK; }
    explicit operator bool() const noexcept { return accepted(); }
    /// FIXPROV_OK or a FIXPROV_LOGON_* refusal.
    fixprov_status status() const noexcept { return status_; }
    /// The FIX SessionStatus (1409) of a refusal; 0 when accepted.
    std::uint32_t session_status() const noexcept { return session_status_; }
    /// The refusal's text (static, never NULL); "" when accepted.
    const char *text() const noexcept { return text_; }
    Session &session() noexcept { return session_; }
    /// Moves the accepted session out (an empty Session after a refusal).
    Session take_session() noexcept { return std::move(session_); }

  private:
    fixprov_status status_;
    std::uint32_t session_status_;
    const char *text_;
    Session session_;
};

/// New credentials from provisioning; the password is shown this once.
struct Credentials {
    OwnedString sender_comp_id;
    OwnedString target_comp_id;
    OwnedString password;
};

/// An admin command's answer: the HTTP status and the JSON body.
struct AdminResponse {
    std::uint32_t http_status;
    OwnedString body;
};

/// Removes (0), enables (1) or disables (2) a rule.
enum class RuleAction : std::uint32_t { Remove = 0, Enable = 1, Disable = 2 };
/// Which rule set fixprov_rules_json reads.
enum class RuleSet : std::uint32_t { Rules = 0, TierRules = 1 };

/// The user id of an event, copied.
inline std::string event_user(const fixprov_event &event) {
    return std::string(reinterpret_cast<const char *>(event.user_id), event.user_id_len);
}

/// An engine: opened by the constructor, closed by the destructor (or close()).
class Engine {
  public:
    /// An event handler; runs on the thread that raised the event. Exceptions it throws are
    /// swallowed (they may not cross the C boundary): handle them inside.
    using EventHandler = std::function<void(const fixprov_event &)>;

    /// An in-memory engine with the defaults.
    Engine() { open(nullptr); }
    /// An engine with options (data directory, master password, ...).
    explicit Engine(const Options &options) { open(options.get()); }
    Engine(Engine &&o) noexcept = default;
    Engine &operator=(Engine &&o) noexcept {
        if (this != &o) {
            close();
            handlers_ = std::move(o.handlers_);
            p_ = std::move(o.p_);
        }
        return *this;
    }
    Engine(const Engine &) = delete;
    Engine &operator=(const Engine &) = delete;
    ~Engine() { close(); }

    /// Closes the engine (stopping its admin server and threads), then drops the event handlers.
    /// Destroy every Session of it first. No other thread may use the engine meanwhile.
    void close() noexcept {
        p_.reset();
        handlers_.clear();
    }
    const fixprov_engine *get() const noexcept { return p_.get(); }
    explicit operator bool() const noexcept { return static_cast<bool>(p_); }

    // ---- Hot path (noexcept, raw verdicts), for hosts that keep raw handles. ----
    fixprov_status check(SessionHandle s, fixprov_msg_class c) const noexcept { return fixprov_check(get(), s, c); }
    fixprov_status check_at(SessionHandle s, fixprov_msg_class c, std::uint64_t now_ns) const noexcept {
        return fixprov_check_at(get(), s, c, now_ns);
    }
    fixprov_status check_msgtype(SessionHandle s, const char *msgtype, std::size_t len) const noexcept {
        return fixprov_check_msgtype(get(), s, reinterpret_cast<const std::uint8_t *>(msgtype), len);
    }

    // ---- Logon and sessions. ----
    /// Validates a Logon (49, 56, 554, 553, peer address or empty). Refusals are returned, errors
    /// (FIXPROV_ERR_*) thrown.
    LogonResult logon(StrRef sender_comp_id, StrRef target_comp_id, StrRef password, StrRef username = StrRef(),
                      StrRef peer_ip = StrRef()) const {
        SessionHandle handle = 0;
        std::uint32_t session_status = 0;
        const char *text = nullptr;
        fixprov_status s = fixprov_logon(get(), sender_comp_id.data(), sender_comp_id.size(), target_comp_id.data(),
                                         target_comp_id.size(), password.data(), password.size(), username.data(),
                                         username.size(), peer_ip.data(), peer_ip.size(), &handle, &session_status,
                                         &text);
        if (s == FIXPROV_OK) return LogonResult(s, 0, "", Session(get(), handle));
        if (is_error(s)) detail::raise(s, "fixprov_logon");
        return LogonResult(s, session_status, text, Session());
    }
    /// A signed Logon (fixprov_logon_signed): the Logon's MsgType (35), MsgSeqNum (34), SendingTime
    /// (52) and RawData (96) as received, and the key id from Username (553).
    struct Signed {
        StrRef msg_type;
        std::uint64_t msg_seq_num;
        StrRef sending_time;
        StrRef raw_data;
        StrRef key_id;
    };
    LogonResult logon_signed(StrRef sender_comp_id, StrRef target_comp_id, StrRef password, StrRef peer_ip,
                             const Signed &s) const {
        SessionHandle handle = 0;
        std::uint32_t session_status = 0;
        const char *text = nullptr;
        fixprov_status st = fixprov_logon_signed(
            get(), sender_comp_id.data(), sender_comp_id.size(), target_comp_id.data(), target_comp_id.size(),
            password.data(), password.size(), peer_ip.data(), peer_ip.size(), s.msg_type.data(), s.msg_type.size(),
            s.msg_seq_num, s.sending_time.data(), s.sending_time.size(), s.raw_data.data(), s.raw_data.size(),
            s.key_id.data(), s.key_id.size(), &handle, &session_status, &text);
        if (st == FIXPROV_OK) return LogonResult(st, 0, "", Session(get(), handle));
        if (is_error(st)) detail::raise(st, "fixprov_logon_signed");
        return LogonResult(st, session_status, text, Session());
    }
    /// Registers an Ed25519 public key (standard base64) for a user's signed logons; returns its id.
    OwnedString key_add_ed25519(StrRef user, StrRef public_key, std::uint64_t expires_unix_ms = 0) const {
        char *id = nullptr;
        detail::check(fixprov_key_add_ed25519(get(), user.data(), user.size(), public_key.data(), public_key.size(),
                                              expires_unix_ms, &id),
                      "fixprov_key_add_ed25519");
        return OwnedString(id);
    }
    /// A generated HMAC-SHA256 logon key: its id and the secret (base64), shown this once.
    struct HmacKey {
        OwnedString key_id;
        OwnedString secret;
    };
    HmacKey key_generate_hmac(StrRef user, std::uint64_t expires_unix_ms = 0) const {
        char *id = nullptr;
        char *secret = nullptr;
        detail::check(fixprov_key_generate_hmac(get(), user.data(), user.size(), expires_unix_ms, &id, &secret),
                      "fixprov_key_generate_hmac");
        return HmacKey{OwnedString(id), OwnedString(secret)};
    }
    void key_revoke(StrRef user, StrRef key_id) const {
        detail::check(fixprov_key_revoke(get(), user.data(), user.size(), key_id.data(), key_id.size()),
                      "fixprov_key_revoke");
    }
    /// A user's own logon policy ("password", "signature", "password+signature"); empty: its tier's.
    void logon_policy_set(StrRef user, StrRef policy) const {
        detail::check(fixprov_logon_policy_set(get(), user.data(), user.size(), policy.data(), policy.size()),
                      "fixprov_logon_policy_set");
    }
    void tier_set_logon_policy(StrRef tier, StrRef policy) const {
        detail::check(fixprov_tier_set_logon_policy(get(), tier.data(), tier.size(), policy.data(), policy.size()),
                      "fixprov_tier_set_logon_policy");
    }
    /// A user's own country rule as JSON ({"allow": ["FR"], "deny": []}); empty: its tier's.
    void country_rule_set(StrRef user, StrRef rule_json) const {
        detail::check(fixprov_country_rule_set(get(), user.data(), user.size(), rule_json.data(), rule_json.size()),
                      "fixprov_country_rule_set");
    }
    /// A tier's country rule as JSON; empty removes it.
    void tier_country_rule_set(StrRef tier, StrRef rule_json) const {
        detail::check(
            fixprov_tier_country_rule_set(get(), tier.data(), tier.size(), rule_json.data(), rule_json.size()),
            "fixprov_tier_country_rule_set");
    }
    Session session_open(StrRef user) const {
        SessionHandle handle = 0;
        detail::check(fixprov_session_open(get(), user.data(), user.size(), &handle), "fixprov_session_open");
        return Session(get(), handle);
    }
    void session_kill(SessionHandle s) const { detail::check(fixprov_session_kill(get(), s), "fixprov_session_kill"); }
    /// Kills every live session of a user; returns how many.
    std::size_t user_kill(StrRef user) const {
        std::size_t killed = 0;
        detail::check(fixprov_user_kill(get(), user.data(), user.size(), &killed), "fixprov_user_kill");
        return killed;
    }
    std::uint64_t user_violations(StrRef user) const {
        std::uint64_t n = 0;
        detail::check(fixprov_user_violations(get(), user.data(), user.size(), &n), "fixprov_user_violations");
        return n;
    }
    void user_reset_violations(StrRef user) const {
        detail::check(fixprov_user_reset_violations(get(), user.data(), user.size()), "fixprov_user_reset_violations");
    }
    /// Open sessions as JSON; an empty user lists every session.
    OwnedString sessions_json(StrRef user = StrRef()) const {
        char *out = nullptr;
        detail::check(fixprov_sessions_json(get(), user.data(), user.size(), &out), "fixprov_sessions_json");
        return OwnedString(out);
    }

    // ---- Events. ----
    /// Registers a handler (replacing the previous one). A replaced handler may still be running on
    /// another thread when this returns, so handlers are kept alive until the engine closes.
    void set_event_handler(EventHandler handler) {
        std::unique_ptr<EventHandler> h(new EventHandler(std::move(handler)));
        detail::check(fixprov_set_event_callback(get(), &Engine::trampoline, h.get()), "fixprov_set_event_callback");
        handlers_.push_back(std::move(h));
    }
    /// Registers a raw C callback (context must stay valid until replaced or the engine closes).
    void set_event_callback(fixprov_event_fn callback, void *context) const {
        detail::check(fixprov_set_event_callback(get(), callback, context), "fixprov_set_event_callback");
    }
    /// Removes the callback (a running one may still finish on another thread).
    void clear_event_callback() const {
        detail::check(fixprov_set_event_callback(get(), nullptr, nullptr), "fixprov_set_event_callback");
    }

    // ---- Tiers and users. ----
    void tier_set(StrRef name, const fixprov_tier_spec &spec) const {
        detail::check(fixprov_tier_set(get(), name.data(), name.size(), &spec), "fixprov_tier_set");
    }
    fixprov_tier_spec tier_get(StrRef name) const {
        fixprov_tier_spec out;
        detail::check(fixprov_tier_get(get(), name.data(), name.size(), &out), "fixprov_tier_get");
        return out;
    }
    void user_set_tier(StrRef user, StrRef tier) const {
        detail::check(fixprov_user_set_tier(get(), user.data(), user.size(), tier.data(), tier.size()),
                      "fixprov_user_set_tier");
    }

    // ---- Credentials. ----
    /// Provisions a user on a tier (empty: "basic").
    Credentials provision(StrRef user, StrRef tier = StrRef()) const {
        char *sender = nullptr, *target = nullptr, *password = nullptr;
        detail::check(fixprov_provision(get(), user.data(), user.size(), tier.data(), tier.size(), &sender, &target,
                                        &password),
                      "fixprov_provision");
        Credentials c;
        c.sender_comp_id = OwnedString(sender);
        c.target_comp_id = OwnedString(target);
        c.password = OwnedString(password);
        return c;
    }
    void revoke(StrRef user) const { detail::check(fixprov_revoke(get(), user.data(), user.size()), "fixprov_revoke"); }
    void suspend(StrRef user) const {
        detail::check(fixprov_suspend(get(), user.data(), user.size()), "fixprov_suspend");
    }
    void reactivate(StrRef user) const {
        detail::check(fixprov_reactivate(get(), user.data(), user.size()), "fixprov_reactivate");
    }
    OwnedString regenerate_password(StrRef user, std::uint32_t overlap_secs = 0) const {
        char *out = nullptr;
        detail::check(fixprov_regenerate_password(get(), user.data(), user.size(), overlap_secs, &out),
                      "fixprov_regenerate_password");
        return OwnedString(out);
    }
    /// 0 means never.
    void set_expiry(StrRef user, std::uint64_t expires_unix_ms) const {
        detail::check(fixprov_set_expiry(get(), user.data(), user.size(), expires_unix_ms), "fixprov_set_expiry");
    }
    void ip_allow(StrRef user, StrRef rule) const {
        detail::check(fixprov_ip_allow(get(), user.data(), user.size(), rule.data(), rule.size()), "fixprov_ip_allow");
    }
    void ip_disallow(StrRef user, StrRef rule) const {
        detail::check(fixprov_ip_disallow(get(), user.data(), user.size(), rule.data(), rule.size()),
                      "fixprov_ip_disallow");
    }
    OwnedString credentials_json(StrRef user) const {
        char *out = nullptr;
        detail::check(fixprov_credentials_get(get(), user.data(), user.size(), &out), "fixprov_credentials_get");
        return OwnedString(out);
    }
    void master_password_change(StrRef new_password) const {
        detail::check(fixprov_master_password_change(get(), new_password.data(), new_password.size()),
                      "fixprov_master_password_change");
    }

    // ---- Eligibility. ----
    void account_set(StrRef user, StrRef facts_json) const {
        detail::check(fixprov_account_set(get(), user.data(), user.size(), facts_json.data(), facts_json.size()),
                      "fixprov_account_set");
    }
    OwnedString evaluate(StrRef user) const {
        char *out = nullptr;
        detail::check(fixprov_evaluate(get(), user.data(), user.size(), &out), "fixprov_evaluate");
        return OwnedString(out);
    }
    void rule_add(StrRef document) const {
        detail::check(fixprov_rule_add(get(), document.data(), document.size()), "fixprov_rule_add");
    }
    void rule_change(StrRef rule_id, RuleAction action) const {
        detail::check(fixprov_rule_change(get(), rule_id.data(), rule_id.size(), static_cast<std::uint32_t>(action)),
                      "fixprov_rule_change");
    }
    OwnedString rules_json(RuleSet which = RuleSet::Rules) const {
        char *out = nullptr;
        detail::check(fixprov_rules_json(get(), static_cast<std::uint32_t>(which), &out), "fixprov_rules_json");
        return OwnedString(out);
    }
    /// override_json: "\"disabled\"", {"threshold": ...}, or empty to clear.
    void override_set(StrRef user, StrRef rule_id, StrRef override_json) const {
        detail::check(fixprov_override_set(get(), user.data(), user.size(), rule_id.data(), rule_id.size(),
                                           override_json.data(), override_json.size()),
                      "fixprov_override_set");
    }
    /// Both empty withdraws the bypass.
    void bypass_set(StrRef user, StrRef granted_by, StrRef reason) const {
        detail::check(fixprov_bypass_set(get(), user.data(), user.size(), granted_by.data(), granted_by.size(),
                                         reason.data(), reason.size()),
                      "fixprov_bypass_set");
    }
    void tier_rules_set(StrRef documents) const {
        detail::check(fixprov_tier_rules_set(get(), documents.data(), documents.size()), "fixprov_tier_rules_set");
    }
    OwnedString reevaluate(bool suspend) const {
        char *out = nullptr;
        detail::check(fixprov_reevaluate(get(), suspend ? 1u : 0u, &out), "fixprov_reevaluate");
        return OwnedString(out);
    }

    // ---- Admin, audit, statistics. ----
    /// Runs one admin route as the host (role admin). Throws only when no answer was produced;
    /// read http_status for the route's own outcome.
    AdminResponse admin_request(StrRef method, StrRef path, StrRef body = StrRef()) const {
        std::uint32_t http = 0;
        char *out = nullptr;
        detail::check(fixprov_admin_request(get(), method.data(), method.size(), path.data(), path.size(), body.data(),
                                            body.size(), &http, &out),
                      "fixprov_admin_request");
        AdminResponse r{http, OwnedString(out)};
        return r;
    }
    /// Starts the admin HTTP API; returns the port it listens on.
    std::uint16_t admin_start(StrRef bind_addr, StrRef tokens_json, bool allow_remote = false) const {
        std::uint16_t port = 0;
        detail::check(fixprov_admin_start(get(), bind_addr.data(), bind_addr.size(), tokens_json.data(),
                                          tokens_json.size(), allow_remote ? 1u : 0u, &port),
                      "fixprov_admin_start");
        return port;
    }
    void admin_stop() const { detail::check(fixprov_admin_stop(get()), "fixprov_admin_stop"); }
    OwnedString stats_json() const {
        char *out = nullptr;
        detail::check(fixprov_stats_json(get(), &out), "fixprov_stats_json");
        return OwnedString(out);
    }
    OwnedString audit_verify() const {
        char *out = nullptr;
        detail::check(fixprov_audit_verify(get(), &out), "fixprov_audit_verify");
        return OwnedString(out);
    }
    /// JSON lines; filter is a JSON object or empty.
    OwnedString audit_query(StrRef filter = StrRef()) const {
        char *out = nullptr;
        detail::check(fixprov_audit_query(get(), filter.data(), filter.size(), &out), "fixprov_audit_query");
        return OwnedString(out);
    }

  private:
    void open(const fixprov_options *options) {
        fixprov_engine *e = nullptr;
        detail::check(fixprov_engine_open(options, &e), "fixprov_engine_open");
        p_.reset(e);
    }

    static void trampoline(void *context, const fixprov_event *event) noexcept {
        if (context == nullptr || event == nullptr) return;
        try {
            (*static_cast<EventHandler *>(context))(*event);
        } catch (...) {
            // An exception may not unwind into the library; the handler must deal with its own.
        }
    }

    // Declared first so it is destroyed after the engine (whose close may still call it).
    std::vector<std::unique_ptr<EventHandler>> handlers_;
    std::unique_ptr<fixprov_engine, detail::EngineClose> p_;
};

} // namespace fixprov

#endif // FIXPROV_HPP
