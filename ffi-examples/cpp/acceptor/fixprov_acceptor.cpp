// A QuickFIX C++ (1.15.1) acceptor whose every Logon and inbound application message is decided by
// fixprov, through the C++ wrapper (../include/fixprov.hpp).
//
//   Logon (35=A)      fromAdmin: fixprov logon with 49, 56, 554, 553 and the peer's address (read
//                     from the socket this thread just read the Logon from: peer_address.cpp); a
//                     refusal throws FIX::RejectLogon and the Logout carries fixprov's text (58)
//                     and SessionStatus (1409). A signed Logon (RawData 96 present) goes to
//                     fixprov_logon_signed with 35, 34 and 52 as received, 96, and the key id from
//                     553 (docs/credentials.md: the canonical payload).
//   application msg   fromApp: fixprov_check_msgtype with tag 35. OK: processed (a NewOrderSingle
//                     gets an ExecutionReport). THROTTLED: BusinessMessageReject (35=j, 380=0,
//                     45, 372, 58), not processed. DISCONNECT / KILLED: Logout.
//   logout/disconnect onLogout: the fixprov session is closed.
//   kill elsewhere    fixprov's event callback (admin HTTP thread, housekeeping thread) logs the
//                     FIX session out at once.
//
// QuickFIX 1.15.1 accepts only the sessions declared in its settings, so the acceptor declares one
// per CompID of fixprov's SenderCompID pool and per credential (per BeginString), read from the
// admin command layer: provisioning assigns a pooled CompID that is already declared, so a new user
// logs on at once and nothing restarts. When the pool runs low the acceptor says so, and grows it
// at the next planned restart (SIGUSR1, or a new process). SIGHUP declares credentials outside the
// declared set (a pool turned off), which restarts the FIX acceptor (live sessions are logged out).
//
// Usage: see usage() below or ../README.md.
#include "fixprov.hpp"

#include <quickfix/Application.h>
#include <quickfix/FileLog.h>
#include <quickfix/FileStore.h>
#include <quickfix/Message.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/ThreadedSocketAcceptor.h>

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

// ---------------------------------------------------------------------------------------------
// Logging: one line per event on stdout, safe from any thread.
std::mutex log_mutex;

template <class... Args> void log_line(Args &&...args) {
    std::ostringstream line;
    using expand = int[];
    (void)expand{0, ((void)(line << std::forward<Args>(args)), 0)...};
    std::lock_guard<std::mutex> lock(log_mutex);
    std::cout << "acceptor: " << line.str() << std::endl;
}

// FIX tags used here (QuickFIX's generated field classes would do as well).
constexpr int TAG_MSG_TYPE = 35, TAG_MSG_SEQ_NUM = 34, TAG_SENDER = 49, TAG_TARGET = 56;
constexpr int TAG_SENDING_TIME = 52, TAG_RAW_DATA = 96;
constexpr int TAG_PASSWORD = 554, TAG_USERNAME = 553, TAG_TEXT = 58, TAG_SESSION_STATUS = 1409;
constexpr int TAG_REF_SEQ_NUM = 45, TAG_REF_MSG_TYPE = 372, TAG_BUSINESS_REJECT_REF_ID = 379;
constexpr int TAG_BUSINESS_REJECT_REASON = 380, TAG_CL_ORD_ID = 11, TAG_SYMBOL = 55, TAG_SIDE = 54;
constexpr int TAG_ORDER_QTY = 38, TAG_ORDER_ID = 37, TAG_EXEC_ID = 17, TAG_EXEC_TYPE = 150;
constexpr int TAG_ORD_STATUS = 39, TAG_LEAVES_QTY = 151, TAG_CUM_QTY = 14, TAG_AVG_PX = 6;
constexpr int TAG_EXEC_TRANS_TYPE = 20;

std::string field_or(const FIX::FieldMap &map, int tag, const std::string &fallback = std::string()) {
    return map.isSetField(tag) ? map.getField(tag) : fallback;
}

} // namespace

int fixprov_acceptor_last_recv_fd(); // peer_address.cpp

namespace {

// The address of the peer whose message this thread is processing ("127.0.0.1", "::1"), or "" when
// it cannot be told. QuickFIX reads each message on the thread that then processes it, and
// peer_address.cpp records the descriptor of each thread's last recv(2).
std::string peer_address_of_this_thread() {
    const int fd = fixprov_acceptor_last_recv_fd();
    if (fd < 0) return std::string();
    sockaddr_storage addr;
    std::memset(&addr, 0, sizeof addr);
    socklen_t len = sizeof addr;
    if (::getpeername(fd, reinterpret_cast<sockaddr *>(&addr), &len) != 0) return std::string();
    char text[INET6_ADDRSTRLEN] = {0};
    const void *raw = nullptr;
    if (addr.ss_family == AF_INET)
        raw = &reinterpret_cast<const sockaddr_in *>(&addr)->sin_addr;
    else if (addr.ss_family == AF_INET6)
        raw = &reinterpret_cast<const sockaddr_in6 *>(&addr)->sin6_addr;
    if (raw == nullptr || ::inet_ntop(addr.ss_family, raw, text, sizeof text) == nullptr) return std::string();
    return text;
}

const char *kill_text(std::uint32_t reason) {
    switch (reason) {
    case FIXPROV_KILL_SUSPENDED:
        return "Account suspended";
    case FIXPROV_KILL_REVOKED:
        return "Credentials revoked";
    case FIXPROV_KILL_EXPIRED:
        return "Credentials expired";
    case FIXPROV_KILL_SHUTDOWN:
        return "Venue shutting down";
    default:
        return "Session terminated by the venue";
    }
}

// ---------------------------------------------------------------------------------------------
// The FIX application: fixprov decides, QuickFIX speaks FIX.
class Gateway : public FIX::Application {
  public:
    explicit Gateway(const fixprov::Engine &engine) : engine_(engine) {}

    struct Counters {
        std::atomic<std::uint64_t> logons_accepted{0}, logons_refused{0}, processed{0}, throttled{0},
            disconnects{0}, killed{0}, kill_events{0}, exec_reports{0}, stale{0};
    };
    const Counters &counters() const { return counters_; }

    void onCreate(const FIX::SessionID &) override {}

    void onLogon(const FIX::SessionID &id) override { log_line("logged on ", id.toString()); }

    // Disconnect or logout: close the fixprov session, and re-enable a QuickFIX session this
    // gateway disabled with Session::logout(), so that the peer may log on again later.
    void onLogout(const FIX::SessionID &id) override {
        Live closing;
        bool reenable = false;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            auto it = live_.find(id);
            if (it != live_.end()) {
                by_handle_.erase(it->second.session.handle());
                closing = std::move(it->second);
                live_.erase(it);
            }
            reenable = disabled_.erase(id) > 0;
        }
        if (closing.session) {
            fixprov_session_stats st;
            std::memset(&st, 0, sizeof st);
            fixprov_session_get_stats(closing.session.engine(), closing.session.handle(), &st);
            fixprov_status s = closing.session.close();
            log_line("logged out ", id.toString(), "; fixprov session ", closing.handle, " closed (",
                     fixprov::status_name(s), "): admitted=", st.messages, " throttled=", st.throttled,
                     " disconnects=", st.disconnects, " kill_reason=", st.kill_reason);
        } else {
            log_line("disconnected ", id.toString());
        }
        if (reenable) {
            if (FIX::Session *session = FIX::Session::lookupSession(id)) session->logon();
        }
    }

    // Outgoing admin messages: a Logout answering a refused Logon carries fixprov's exact text (58)
    // and SessionStatus (1409); QuickFIX alone would send "Rejected Logon Attempt: <text>".
    void toAdmin(FIX::Message &message, const FIX::SessionID &id) override {
        if (field_or(message.getHeader(), TAG_MSG_TYPE) != "5") return;
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = refusals_.find(id);
        if (it == refusals_.end()) return;
        message.setField(TAG_TEXT, it->second.text);
        message.setField(TAG_SESSION_STATUS, std::to_string(it->second.session_status));
        refusals_.erase(it);
    }

    void toApp(FIX::Message &, const FIX::SessionID &) throw(FIX::DoNotSend) override {}

    void fromAdmin(const FIX::Message &message, const FIX::SessionID &id) throw(
        FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::RejectLogon) override {
        const FIX::Header &header = message.getHeader();
        if (header.getField(TAG_MSG_TYPE) != "A") return;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            refusals_.erase(id);
        }
        const std::string sender = header.getField(TAG_SENDER);
        const std::string target = header.getField(TAG_TARGET);
        const std::string password = field_or(message, TAG_PASSWORD);
        const bool has_username = message.isSetField(TAG_USERNAME);
        const std::string username = field_or(message, TAG_USERNAME);
        fixprov_status status;
        std::uint32_t session_status = 5;
        std::string text = "Logon refused";
        fixprov::Session session;
        // The peer's address: this thread has just read the Logon from the peer's socket
        // (peer_address.cpp). Unknown (empty) only if that ever fails: fixprov then fails closed for
        // a user with an allow-list.
        const std::string peer = peer_address_of_this_thread();
        const fixprov::StrRef peer_ref = peer.empty() ? fixprov::StrRef() : fixprov::StrRef(peer);
        try {
            fixprov::LogonResult r = [&] {
                if (!message.isSetField(TAG_RAW_DATA))
                    return engine_.logon(sender, target, password,
                                         has_username ? fixprov::StrRef(username) : fixprov::StrRef(), peer_ref);
                // A signed Logon: the fields as received; Username (553) carries the key id.
                const std::string seq = header.getField(TAG_MSG_SEQ_NUM);
                const std::string sending_time = header.getField(TAG_SENDING_TIME);
                const std::string raw_data = message.getField(TAG_RAW_DATA);
                fixprov::Engine::Signed signed_fields{"A", std::strtoull(seq.c_str(), nullptr, 10), sending_time,
                                                      raw_data, username};
                return engine_.logon_signed(sender, target, password, peer_ref, signed_fields);
            }();
            status = r.status();
            session_status = r.session_status();
            text = r.text();
            session = r.take_session();
        } catch (const fixprov::Error &e) {
            status = e.status();
            log_line("logon error for ", id.toString(), ": ", e.what());
        }
        if (!session) {
            ++counters_.logons_refused;
            {
                std::lock_guard<std::mutex> lock(mutex_);
                refusals_[id] = Refusal{session_status, text};
            }
            log_line("logon refused ", id.toString(), " from ", peer.empty() ? "an unknown address" : peer, ": ",
                     fixprov::status_name(status), " 1409=", session_status, " text=\"", text, "\"");
            throw FIX::RejectLogon(text);
        }
        ++counters_.logons_accepted;
        const fixprov::SessionHandle handle = session.handle();
        Live previous;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            Live &slot = live_[id];
            if (slot.session) { // a session QuickFIX never reported closed: release its slot
                by_handle_.erase(slot.handle);
                previous = std::move(slot);
            }
            slot.session = std::move(session);
            slot.handle = handle;
            by_handle_[handle] = id;
        }
        log_line("logon accepted ", id.toString(), " from ", peer.empty() ? "an unknown address" : peer,
                 ": fixprov session ", handle);
    }

    void fromApp(const FIX::Message &message, const FIX::SessionID &id) throw(
        FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::UnsupportedMessageType) override {
        const std::string &msg_type = message.getHeader().getField(TAG_MSG_TYPE);
        fixprov::SessionHandle handle = 0;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            auto it = live_.find(id);
            if (it != live_.end()) handle = it->second.handle;
        }
        // The per-message decision: lock-free, no allocation, the raw verdict.
        const fixprov_status verdict = engine_.check_msgtype(handle, msg_type.data(), msg_type.size());
        switch (verdict) {
        case FIXPROV_OK:
            ++counters_.processed;
            process(message, id, msg_type);
            break;
        case FIXPROV_THROTTLED:
            ++counters_.throttled;
            business_reject(message, id, msg_type);
            break;
        case FIXPROV_DISCONNECT:
            ++counters_.disconnects;
            if (logout(id, "Rate limit exceeded repeatedly"))
                log_line("rate limit escalated on ", id.toString(), ": logging out");
            break;
        case FIXPROV_KILLED:
            ++counters_.killed;
            logout(id, "Session terminated by the venue");
            break;
        default: // a stale handle or an error: never process what fixprov did not admit
            ++counters_.stale;
            log_line("check on ", id.toString(), " answered ", fixprov::status_name(verdict), ": logging out");
            logout(id, "Session not authorised");
            break;
        }
    }

    // fixprov's event callback (any thread; no fixprov lock held). Looks the FIX session up and
    // logs it out at once: the Logout is sent from this thread and the connection closed (see
    // logout_now), instead of waiting for the session's next timer tick (up to a second on an idle
    // session, which is what Session::logout alone costs).
    void on_event(const fixprov_event &event) {
        if (event.kind != FIXPROV_EVENT_SESSION_KILLED) return;
        std::shared_lock<std::shared_timed_mutex> running(lifecycle_);
        if (!events_on_) return;
        FIX::SessionID id;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            auto it = by_handle_.find(event.session);
            if (it == by_handle_.end()) return;
            id = it->second;
        }
        ++counters_.kill_events;
        log_line("fixprov killed session ", event.session, " (user ", fixprov::event_user(event), ", reason ",
                 event.reason, "): logging out ", id.toString());
        logout_now(id, kill_text(event.reason));
    }

    // While paused, events are ignored; pausing waits for callbacks in flight, so the QuickFIX
    // sessions can be destroyed safely afterwards.
    void set_events(bool on) {
        std::unique_lock<std::shared_timed_mutex> exclusive(lifecycle_);
        events_on_ = on;
    }

    // Closes every fixprov session still held (after the FIX acceptor stopped).
    void close_all() {
        std::map<FIX::SessionID, Live> left;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            left.swap(live_);
            by_handle_.clear();
            disabled_.clear();
            refusals_.clear();
        }
        for (auto &entry : left) log_line("closing leftover fixprov session of ", entry.first.toString());
    }

  private:
    struct Live {
        fixprov::Session session;
        fixprov::SessionHandle handle = 0;
    };
    struct Refusal {
        std::uint32_t session_status;
        std::string text;
    };

    // Asks QuickFIX to log the session out (Session::logout: the Logout goes out from the session's
    // own thread). False when it is already on its way out.
    bool logout(const FIX::SessionID &id, const char *text) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!disabled_.insert(id).second) return false;
        }
        if (FIX::Session *session = FIX::Session::lookupSession(id)) session->logout(text);
        return true;
    }

    // Logs the session out now, from a thread other than the session's own: sends the Logout
    // (58 = text) with Session::sendToTarget, which writes it to the socket before returning, then
    // closes the connection with Session::disconnect; both take the session's lock, so they are
    // safe beside the session's own thread. disconnect() runs onLogout on this thread, which closes
    // the fixprov session. Where the session is not logged on (or is gone), Session::logout
    // leaves it to the session's own thread. False when it is already on its way out.
    bool logout_now(const FIX::SessionID &id, const char *text) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!disabled_.insert(id).second) return false;
        }
        FIX::Session *session = FIX::Session::lookupSession(id);
        if (session == nullptr) return true;
        if (session->isLoggedOn()) {
            FIX::Message logout;
            logout.getHeader().setField(TAG_MSG_TYPE, "5");
            logout.setField(TAG_TEXT, text);
            try {
                if (FIX::Session::sendToTarget(logout, id)) {
                    session->disconnect();
                    return true;
                }
            } catch (const FIX::SessionNotFound &) {
                return true;
            }
        }
        session->logout(text);
        return true;
    }

    // An admitted application message. NewOrderSingle gets an ExecutionReport (new); other types are
    // counted only.
    void process(const FIX::Message &message, const FIX::SessionID &id, const std::string &msg_type) {
        if (msg_type != "D") return;
        const std::uint64_t n = ++counters_.exec_reports;
        FIX::Message report;
        report.getHeader().setField(TAG_MSG_TYPE, "8");
        report.setField(TAG_ORDER_ID, "O-" + std::to_string(n));
        report.setField(TAG_EXEC_ID, "E-" + std::to_string(n));
        if (id.getBeginString() < FIX::BeginString_FIX43) report.setField(TAG_EXEC_TRANS_TYPE, "0");
        report.setField(TAG_EXEC_TYPE, "0");
        report.setField(TAG_ORD_STATUS, "0");
        report.setField(TAG_CL_ORD_ID, field_or(message, TAG_CL_ORD_ID, "?"));
        report.setField(TAG_SYMBOL, field_or(message, TAG_SYMBOL, "?"));
        report.setField(TAG_SIDE, field_or(message, TAG_SIDE, "1"));
        report.setField(TAG_ORDER_QTY, field_or(message, TAG_ORDER_QTY, "0"));
        report.setField(TAG_LEAVES_QTY, field_or(message, TAG_ORDER_QTY, "0"));
        report.setField(TAG_CUM_QTY, "0");
        report.setField(TAG_AVG_PX, "0");
        send(report, id);
    }

    // THROTTLED: BusinessMessageReject, BusinessRejectReason 0 (Other), the session stays up.
    void business_reject(const FIX::Message &message, const FIX::SessionID &id, const std::string &msg_type) {
        FIX::Message reject;
        reject.getHeader().setField(TAG_MSG_TYPE, "j");
        reject.setField(TAG_REF_SEQ_NUM, field_or(message.getHeader(), TAG_MSG_SEQ_NUM, "0"));
        reject.setField(TAG_REF_MSG_TYPE, msg_type);
        if (message.isSetField(TAG_CL_ORD_ID))
            reject.setField(TAG_BUSINESS_REJECT_REF_ID, message.getField(TAG_CL_ORD_ID));
        reject.setField(TAG_BUSINESS_REJECT_REASON, "0");
        reject.setField(TAG_TEXT, "Throttle limit exceeded");
        send(reject, id);
    }

    void send(FIX::Message &message, const FIX::SessionID &id) {
        try {
            FIX::Session::sendToTarget(message, id);
        } catch (const FIX::SessionNotFound &) {
            log_line("session ", id.toString(), " is gone; reply dropped");
        }
    }

    const fixprov::Engine &engine_;
    Counters counters_;
    std::mutex mutex_; // guards the maps below; never held while calling into QuickFIX
    std::map<FIX::SessionID, Live> live_;
    std::unordered_map<fixprov::SessionHandle, FIX::SessionID> by_handle_;
    std::set<FIX::SessionID> disabled_;
    std::map<FIX::SessionID, Refusal> refusals_;
    std::shared_timed_mutex lifecycle_; // callbacks hold it shared; pause/stop exclusive
    bool events_on_ = true;
};

// ---------------------------------------------------------------------------------------------
// Configuration.
struct Config {
    std::string data_dir, state_dir, tokens_file, status_file;
    std::string admin_bind = "127.0.0.1:0";
    std::string venue = "FIXPROV";
    std::string gateway_id;
    std::string geoip;
    std::uint32_t logon_window_ms = 0;
    std::vector<std::string> begin_strings{"FIX.4.4"};
    int fix_port = 0;
    std::uint32_t comp_id_pool = 32;
    bool default_rules = true;
};

void usage() {
    std::cerr << "usage: fixprov_acceptor (--data-dir DIR | FIXPROV_DATABASE_URL) --state-dir DIR --tokens-file FILE\n"
                 "         [--status-file FILE] [--fix-port N (0: a free port)] [--admin-bind 127.0.0.1:0]\n"
                 "         [--begin-strings FIX.4.4,FIX.4.2] [--venue FIXPROV] [--no-default-rules]\n"
                 "         [--comp-id-pool N (default 32; 0: CompIDs from user ids, SIGHUP to declare)]\n"
                 "         [--geoip FILE.mmdb (country rules; read again when the file changes)]\n"
                 "         [--logon-window-ms N (signed Logons: SendingTime at most N ms old; default 5000)]\n"
                 "  The store's master password comes from FIX_MASTER_PASSWORD.\n"
                 "  Fleet mode: FIXPROV_DATABASE_URL (postgres://...; an environment variable, so that the\n"
                 "  database password never shows in a process list) puts the store in PostgreSQL, shared\n"
                 "  with the fleet's other gateways, instead of --data-dir; --gateway-id NAME names this\n"
                 "  gateway in the audit log (default: the host's name and the process id).\n"
                 "  SIGHUP: declare credentials outside the declared set (restarts the FIX acceptor only then).\n"
                 "  SIGUSR1: planned restart: grow a low SenderCompID pool, declare, restart the FIX acceptor.\n"
                 "  SIGINT/SIGTERM: log everyone out, close, print a summary.\n";
}

std::vector<std::string> split(const std::string &s, char sep) {
    std::vector<std::string> out;
    std::stringstream in(s);
    std::string item;
    while (std::getline(in, item, sep))
        if (!item.empty()) out.push_back(item);
    return out;
}

bool parse(int argc, char **argv, Config &c) {
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&](std::string &out) {
            if (i + 1 >= argc) return false;
            out = argv[++i];
            return true;
        };
        std::string v;
        if (a == "--data-dir") {
            if (!next(c.data_dir)) return false;
        } else if (a == "--state-dir") {
            if (!next(c.state_dir)) return false;
        } else if (a == "--tokens-file") {
            if (!next(c.tokens_file)) return false;
        } else if (a == "--status-file") {
            if (!next(c.status_file)) return false;
        } else if (a == "--admin-bind") {
            if (!next(c.admin_bind)) return false;
        } else if (a == "--gateway-id") {
            if (!next(c.gateway_id)) return false;
        } else if (a == "--geoip") {
            if (!next(c.geoip)) return false;
        } else if (a == "--logon-window-ms") {
            if (!next(v)) return false;
            c.logon_window_ms = static_cast<std::uint32_t>(std::strtoul(v.c_str(), nullptr, 10));
        } else if (a == "--venue") {
            if (!next(c.venue)) return false;
        } else if (a == "--fix-port") {
            if (!next(v)) return false;
            c.fix_port = std::atoi(v.c_str());
        } else if (a == "--begin-strings") {
            if (!next(v)) return false;
            c.begin_strings = split(v, ',');
        } else if (a == "--comp-id-pool") {
            if (!next(v)) return false;
            c.comp_id_pool = static_cast<std::uint32_t>(std::strtoul(v.c_str(), nullptr, 10));
        } else if (a == "--no-default-rules") {
            c.default_rules = false;
        } else {
            std::cerr << "unknown argument: " << a << "\n";
            return false;
        }
    }
    const char *database = std::getenv("FIXPROV_DATABASE_URL");
    const bool has_database = database != nullptr && *database != '\0';
    return (c.data_dir.empty() != !has_database) && !c.state_dir.empty() && !c.tokens_file.empty() &&
           !c.begin_strings.empty();
}

std::string read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A free loopback port for QuickFIX, which cannot listen on port 0 and report the port.
int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket() failed");
    sockaddr_in addr;
    std::memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot find a free port");
    }
    int port = ntohs(addr.sin_port);
    ::close(fd);
    return port;
}

nlohmann::json admin_json(const fixprov::Engine &engine, const char *method, const char *path,
                          const std::string &body = std::string()) {
    fixprov::AdminResponse r = engine.admin_request(method, path, body);
    if (r.http_status != 200)
        throw std::runtime_error(std::string(method) + " " + path + " failed: " + r.body.c_str());
    return nlohmann::json::parse(r.body.c_str());
}

// fixprov's SenderCompID pool: its size and how many CompIDs are still free to assign.
struct Pool {
    std::uint32_t size = 0, free = 0;
    std::vector<std::string> comp_ids;
    // Low: a quarter of the pool or less left (and at most 2 when the pool is tiny).
    bool low() const { return size > 0 && free <= std::max<std::uint32_t>(2, size / 4); }
};

Pool read_pool(const fixprov::Engine &engine) {
    nlohmann::json j = admin_json(engine, "GET", "/admin/fix/comp-id-pool");
    Pool pool;
    pool.size = j.at("size").get<std::uint32_t>();
    pool.free = j.at("free").get<std::uint32_t>();
    pool.comp_ids = j.at("comp_ids").get<std::vector<std::string>>();
    return pool;
}

// At a planned restart only: a low pool doubles (every live session is about to be logged out
// anyway, and the new CompIDs are declared at once). Never while the FIX acceptor runs: a CompID
// assigned before it is declared could not log on until the next restart.
void grow_pool_if_low(const fixprov::Engine &engine) {
    Pool pool = read_pool(engine);
    if (!pool.low()) return;
    const std::uint32_t size = std::min<std::uint32_t>(pool.size * 2, 100000);
    admin_json(engine, "POST", "/admin/fix/comp-id-pool", "{\"size\": " + std::to_string(size) + "}");
    log_line("SenderCompID pool low (", pool.free, " of ", pool.size, " free): grown to ", size,
             " at this restart");
}

// The SessionIDs to declare: one per pooled CompID and per credential (a credential provisioned
// before the pool, or while it was off), and BeginString, from the admin command layer (the same
// JSON GET /admin/fix/comp-id-pool and GET /admin/fix/credentials serve over HTTP).
std::set<FIX::SessionID> declared_sessions(const fixprov::Engine &engine, const Config &config) {
    nlohmann::json list = admin_json(engine, "GET", "/admin/fix/credentials");
    std::set<std::string> senders;
    std::string target = config.venue;
    for (const auto &credential : list) {
        senders.insert(credential.at("sender_comp_id").get<std::string>());
        target = credential.at("target_comp_id").get<std::string>();
    }
    for (const auto &comp_id : read_pool(engine).comp_ids) senders.insert(comp_id);
    std::set<FIX::SessionID> ids;
    for (const auto &sender : senders)
        for (const auto &begin : config.begin_strings)
            ids.insert(FIX::SessionID(begin, target, sender)); // ours: the venue; theirs: the user's
    return ids;
}

FIX::SessionSettings make_settings(const Config &config, int port, const std::set<FIX::SessionID> &ids) {
    FIX::SessionSettings settings;
    FIX::Dictionary defaults;
    defaults.setString("ConnectionType", "acceptor");
    defaults.setInt("SocketAcceptPort", port);
    // QuickFIX 1.15.1 has no SocketAcceptHost: the acceptor listens on every interface.
    defaults.setString("SocketReuseAddress", "Y");
    defaults.setString("StartTime", "00:00:00");
    defaults.setString("EndTime", "00:00:00");
    defaults.setString("UseDataDictionary", "N");
    defaults.setString("ResetOnLogon", "Y");
    defaults.setString("ResetOnDisconnect", "Y");
    defaults.setInt("LogoutTimeout", 2);
    defaults.setString("FileStorePath", config.state_dir + "/store");
    defaults.setString("FileLogPath", config.state_dir + "/log");
    settings.set(defaults);
    for (const auto &id : ids) settings.set(id, FIX::Dictionary());
    return settings;
}

// The FIX side: QuickFIX's acceptor with its stores and logs, restartable with new sessions.
class FixSide {
  public:
    FixSide(Gateway &app, const Config &config, int port) : app_(app), config_(config), port_(port) {}
    ~FixSide() { stop(); }

    std::size_t sessions() const { return declared_.size(); }
    int port() const { return port_; }
    bool running() const { return static_cast<bool>(acceptor_); }

    // Declares ids and (re)starts; returns false when every one of ids is declared already (and
    // `force` is off): nothing restarts.
    bool apply(const std::set<FIX::SessionID> &ids, bool force = false) {
        if (applied_ && !force && std::includes(declared_.begin(), declared_.end(), ids.begin(), ids.end()))
            return false;
        applied_ = true;
        stop("Venue reloading sessions, log on again");
        declared_ = ids;
        if (ids.empty()) return true;
        settings_.reset(new FIX::SessionSettings(make_settings(config_, port_, ids)));
        store_.reset(new FIX::FileStoreFactory(*settings_));
        logs_.reset(new FIX::FileLogFactory(*settings_));
        acceptor_.reset(new FIX::ThreadedSocketAcceptor(app_, *store_, *settings_, *logs_));
        acceptor_->start();
        return true;
    }

    // Logs every session out with a reason, stops and destroys the acceptor.
    void stop(const char *reason = "Venue shutting down") {
        if (!acceptor_) return;
        app_.set_events(false); // no kill callback may touch a QuickFIX session being destroyed
        for (const auto &id : declared_) {
            FIX::Session *session = FIX::Session::lookupSession(id);
            if (session != nullptr && session->isLoggedOn()) session->logout(reason);
        }
        acceptor_->stop(); // waits for the Logouts; onLogout closes the fixprov sessions
        acceptor_.reset();
        app_.close_all();
        app_.set_events(true);
    }

  private:
    Gateway &app_;
    const Config &config_;
    int port_;
    bool applied_ = false;
    std::set<FIX::SessionID> declared_;
    std::unique_ptr<FIX::SessionSettings> settings_;
    std::unique_ptr<FIX::FileStoreFactory> store_;
    std::unique_ptr<FIX::FileLogFactory> logs_;
    std::unique_ptr<FIX::ThreadedSocketAcceptor> acceptor_;
};

void write_status(const std::string &path, std::uint16_t admin_port, int fix_port, std::size_t sessions,
                  int generation, const Pool &pool) {
    if (path.empty()) return;
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << "pid=" << ::getpid() << "\nadmin_port=" << admin_port << "\nfix_port=" << fix_port
            << "\nfix_sessions=" << sessions << "\ngeneration=" << generation << "\npool_size=" << pool.size
            << "\npool_free=" << pool.free << "\n";
    }
    std::rename(tmp.c_str(), path.c_str());
}

} // namespace

int main(int argc, char **argv) {
    Config config;
    if (!parse(argc, argv, config)) {
        usage();
        return 2;
    }
    // Signals are taken by sigwait in main only: block them before any thread (fixprov's or
    // QuickFIX's) starts, so every thread inherits the mask.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    const char *master = std::getenv("FIX_MASTER_PASSWORD");
    if (master == nullptr || *master == '\0') {
        std::cerr << "fixprov_acceptor: set FIX_MASTER_PASSWORD (the store's master password)\n";
        return 2;
    }
    try {
        fixprov::Options options;
        const char *database = std::getenv("FIXPROV_DATABASE_URL");
        if (database != nullptr && *database != '\0')
            options.database_url(database).fleet(config.gateway_id);
        else
            options.data_dir(config.data_dir);
        if (!config.geoip.empty()) options.geoip(config.geoip);
        if (config.logon_window_ms != 0) options.logon_window(config.logon_window_ms, 1000);
        options.master_password(master)
            .comp_ids(config.venue)
            // Provisioning assigns CompIDs from a pool declared below, ahead of the users.
            .comp_id_pool(config.comp_id_pool)
            .eligibility(config.default_rules, false)
            // ThreadedSocketAcceptor reads each connection on its own thread and calls fromApp for a
            // session only on that thread, so every session has one checker at a time: its checks
            // then take no locked instruction. (Kills and Logouts from other threads do not check.)
            .single_owner(true);
        fixprov::Engine engine(options);
        log_line("fixprov ", fixprov::version(), " engine open on ",
                 config.data_dir.empty() ? std::string("PostgreSQL (fleet mode)") : config.data_dir,
                 config.default_rules ? " (default eligibility rules)" : " (no default eligibility rules)");

        Gateway app(engine);
        engine.set_event_handler([&app](const fixprov_event &event) { app.on_event(event); });

        const std::uint16_t admin_port = engine.admin_start(config.admin_bind, read_file(config.tokens_file));
        log_line("admin API on http://127.0.0.1:", admin_port, "/admin/fix/ (bearer tokens from ",
                 config.tokens_file, ")");

        const int port = config.fix_port > 0 ? config.fix_port : free_port();
        int generation = 0;
        {
            FixSide fix(app, config, port);
            bool warned_low = false;
            // Declares what is not declared yet; a planned restart (start, SIGUSR1) first grows a
            // low pool and restarts whatever the set.
            auto reload = [&](bool planned) {
                if (planned) grow_pool_if_low(engine);
                std::set<FIX::SessionID> ids = declared_sessions(engine, config);
                if (fix.apply(ids, planned)) {
                    ++generation;
                    warned_low = false;
                    if (ids.empty())
                        log_line("no credentials yet: FIX acceptor not started (provision, then SIGHUP)");
                    else
                        log_line("FIX acceptor on 127.0.0.1:", port, " with ", ids.size(),
                                 " declared session(s), generation ", generation);
                } else {
                    log_line("every credential's CompID is declared already: nothing restarts");
                }
                write_status(config.status_file, admin_port, port, fix.sessions(), generation, read_pool(engine));
            };
            // Says once when the pool runs low, and keeps the status file's pool figures current.
            auto watch_pool = [&]() {
                const Pool pool = read_pool(engine);
                if (pool.low() && !warned_low) {
                    warned_low = true;
                    log_line("SenderCompID pool low: ", pool.free, " of ", pool.size,
                             " free; it grows at the next planned restart (SIGUSR1 in a quiet window, which "
                             "logs every session out, or the next start)");
                }
                write_status(config.status_file, admin_port, port, fix.sessions(), generation, pool);
            };
            reload(true);
            for (;;) {
                const timespec every = {1, 0};
                const int sig = sigtimedwait(&signals, nullptr, &every);
                if (sig < 0) {
                    try {
                        watch_pool();
                    } catch (const std::exception &e) {
                        log_line("pool check failed: ", e.what());
                    }
                    continue;
                }
                if (sig == SIGHUP || sig == SIGUSR1) {
                    try {
                        reload(sig == SIGUSR1);
                    } catch (const std::exception &e) {
                        log_line("reload failed: ", e.what());
                    }
                    continue;
                }
                log_line("signal ", sig, ": shutting down");
                break;
            }
            fix.stop();
        }
        engine.clear_event_callback();
        app.set_events(false);
        const Gateway::Counters &c = app.counters();
        log_line("summary: logons accepted=", c.logons_accepted.load(), " refused=", c.logons_refused.load(),
                 "; messages processed=", c.processed.load(), " throttled=", c.throttled.load(),
                 " disconnect=", c.disconnects.load(), " killed=", c.killed.load(),
                 "; kill events=", c.kill_events.load(), " execution reports=", c.exec_reports.load());
        engine.admin_stop();
        engine.close();
        return 0;
    } catch (const std::exception &e) {
        std::cerr << "fixprov_acceptor: " << e.what() << "\n";
        return 1;
    }
}
