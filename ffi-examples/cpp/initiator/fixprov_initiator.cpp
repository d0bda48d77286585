// A QuickFIX C++ (1.15.1) initiator that logs on to the fixprov acceptor, optionally sends a burst
// of NewOrderSingle (35=D) as fast as it can, counts the answers (35=8 ExecutionReport, 35=j
// BusinessMessageReject) and optionally stays logged on until the acceptor logs it out.
//
// Every outcome is printed as key=value lines on stdout for e2e.sh to assert on:
//   logon=accepted|refused|dropped|timeout   refused: the acceptor answered the Logon with a
//                                            Logout; dropped: the connection closed without one
//   logon_text=..., logon_1409=...           the refusal's 58 and 1409
//   sent=N exec_reports=N rejects=N reject_380=0 burst_ms=...
//   logged_out=1 logout_text=... logout_unix_ms=...   the acceptor logged us out (hold mode)
//   steady_sent=N exec_reports_total=N heartbeats_in=N inbound=N seq_gaps=N logons=N
//                                            hold mode with --order-every: orders sent while
//                                            holding, every answer, inbound Heartbeats, inbound
//                                            messages and gaps in their MsgSeqNum (34), logons made
//
// Signed logons (docs/credentials.md), signed with OpenSSL's libcrypto, an implementation apart from
// fixprov's: --key-id ID with --sign-ed25519 KEY.pem (an Ed25519 private key) or --sign-hmac FILE
// (the HMAC-SHA256 secret fixprov generated, in base64) puts the key id in Username (553) and the
// signature of "35 SOH 49 SOH 56 SOH 34 SOH 52" in RawData (96). --sending-time-offset-ms N sends
// SendingTime N ms off the clock (a stale Logon); --replay-file F saves SendingTime and RawData the
// first time and sends them again, byte for byte, every later time (a replayed Logon).
// Exit status: 0 when the run completed (whatever the outcome), 2 on bad arguments, 1 on errors.
#include <quickfix/Application.h>
#include <quickfix/FileLog.h>
#include <quickfix/MessageStore.h>
#include <quickfix/Message.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketInitiator.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <string>

namespace {

std::int64_t unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

struct Config {
    std::string host = "127.0.0.1", source_host, sender, target = "FIXPROV", password, username, state_dir, ready_file;
    std::string begin_string = "FIX.4.4";
    std::string stop_file;
    std::string key_id, sign_ed25519, sign_hmac, replay_file;
    long long sending_time_offset_ms = 0;
    int port = 0, burst = 0, heartbeat_s = 30;
    double timeout_s = 10.0, hold_s = 0.0, order_every_s = 0.0;
};

std::string get(const FIX::FieldMap &map, int tag) { return map.isSetField(tag) ? map.getField(tag) : std::string(); }

std::string base64(const unsigned char *bytes, std::size_t n) {
    std::string out(4 * ((n + 2) / 3) + 1, '\0');
    const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(&out[0]), bytes, static_cast<int>(n));
    out.resize(static_cast<std::size_t>(len));
    return out;
}

std::string read_all(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

/// The signature of `payload` in base64: Ed25519 under the PEM private key, or HMAC-SHA256 under
/// the base64 secret.
std::string sign(const Config &c, const std::string &payload) {
    const auto *data = reinterpret_cast<const unsigned char *>(payload.data());
    if (!c.sign_ed25519.empty()) {
        FILE *f = std::fopen(c.sign_ed25519.c_str(), "r");
        if (f == nullptr) throw std::runtime_error("cannot read " + c.sign_ed25519);
        EVP_PKEY *key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
        std::fclose(f);
        if (key == nullptr) throw std::runtime_error("not a private key: " + c.sign_ed25519);
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        unsigned char sig[64];
        std::size_t len = sizeof sig;
        const bool ok = ctx != nullptr && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
                        EVP_DigestSign(ctx, sig, &len, data, payload.size()) == 1;
        EVP_MD_CTX_free(ctx);
        EVP_PKEY_free(key);
        if (!ok) throw std::runtime_error("Ed25519 signing failed");
        return base64(sig, len);
    }
    const std::string text = read_all(c.sign_hmac);
    unsigned char secret[64];
    const int decoded = EVP_DecodeBlock(secret, reinterpret_cast<const unsigned char *>(text.data()),
                                        static_cast<int>(text.size()));
    if (decoded < 32) throw std::runtime_error("the HMAC secret is not base64 of 32 bytes");
    unsigned char mac[32];
    unsigned int mac_len = sizeof mac;
    // EVP_DecodeBlock counts the padding as zero bytes: the secret is the first 32.
    if (HMAC(EVP_sha256(), secret, 32, data, payload.size(), mac, &mac_len) == nullptr)
        throw std::runtime_error("HMAC failed");
    return base64(mac, mac_len);
}

/// A FIX UTCTimestamp with milliseconds of `ms` since the Unix epoch.
std::string utc_timestamp(std::int64_t ms) {
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d%02d%02d-%02d:%02d:%02d.%03d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    return buf;
}

class Client : public FIX::Application {
  public:
    explicit Client(const Config &config) : config_(config) {}

    std::mutex mutex;
    std::condition_variable changed;
    bool logged_on = false, disconnected = false, got_logout = false;
    std::string logout_text, logout_1409;
    std::int64_t logout_unix_ms = 0;
    int exec_reports = 0, rejects = 0, others = 0, heartbeats_in = 0, inbound = 0, seq_gaps = 0, logons = 0;
    long last_seq = 0;
    std::set<std::string> reject_reasons, reject_texts;

    void onCreate(const FIX::SessionID &) override {}
    void onLogon(const FIX::SessionID &) override {
        update([&] {
            logged_on = true;
            ++logons;
        });
    }
    void onLogout(const FIX::SessionID &) override { update([&] { disconnected = true; }); }

    // Adds the credentials to our Logon (554 Password, 553 Username), and with a key, the key id in
    // 553 and the signature of the header's fields in 96 (QuickFIX filled 34 and 52 already).
    void toAdmin(FIX::Message &message, const FIX::SessionID &) override {
        FIX::Header &header = message.getHeader();
        if (get(header, 35) != "A") return;
        if (!config_.password.empty()) message.setField(554, config_.password);
        if (!config_.username.empty()) message.setField(553, config_.username);
        if (config_.key_id.empty()) return;
        std::string time = get(header, 52), raw;
        if (config_.sending_time_offset_ms != 0) time = utc_timestamp(unix_ms() + config_.sending_time_offset_ms);
        struct stat st;
        const bool replay = !config_.replay_file.empty() && ::stat(config_.replay_file.c_str(), &st) == 0;
        if (replay) {
            std::ifstream in(config_.replay_file);
            std::getline(in, time);
            std::getline(in, raw);
        } else {
            const std::string payload = std::string("A\x01") + get(header, 49) + "\x01" + get(header, 56) + "\x01" +
                                        get(header, 34) + "\x01" + time;
            raw = sign(config_, payload);
            if (!config_.replay_file.empty()) std::ofstream(config_.replay_file) << time << "\n" << raw << "\n";
        }
        header.setField(52, time);
        message.setField(553, config_.key_id);
        message.setField(95, std::to_string(raw.size()));
        message.setField(96, raw);
    }
    void toApp(FIX::Message &, const FIX::SessionID &) throw(FIX::DoNotSend) override {}

    void fromAdmin(const FIX::Message &message, const FIX::SessionID &) throw(
        FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::RejectLogon) override {
        inbound_seq(message);
        const std::string type = get(message.getHeader(), 35);
        if (type == "0") update([&] { ++heartbeats_in; });
        if (type != "5") return;
        update([&] {
            got_logout = true;
            logout_text = get(message, 58);
            logout_1409 = get(message, 1409);
            logout_unix_ms = unix_ms();
        });
    }

    void fromApp(const FIX::Message &message, const FIX::SessionID &) throw(
        FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::UnsupportedMessageType) override {
        inbound_seq(message);
        const std::string type = get(message.getHeader(), 35);
        update([&] {
            if (type == "8") {
                ++exec_reports;
            } else if (type == "j") {
                ++rejects;
                reject_reasons.insert(get(message, 380));
                reject_texts.insert(get(message, 58));
            } else {
                ++others;
            }
        });
    }

    template <class F> void update(F f) {
        {
            std::lock_guard<std::mutex> lock(mutex);
            f();
        }
        changed.notify_all();
    }

    // Waits until pred() holds or the deadline passes; returns pred().
    template <class P> bool wait(double seconds, P pred) {
        std::unique_lock<std::mutex> lock(mutex);
        return changed.wait_for(lock, std::chrono::duration<double>(seconds), pred);
    }

  private:
    // Every inbound message's MsgSeqNum must follow the last one: a gap means something was lost.
    void inbound_seq(const FIX::Message &message) {
        const long seq = std::atol(get(message.getHeader(), 34).c_str());
        update([&] {
            ++inbound;
            if (last_seq != 0 && seq != last_seq + 1) ++seq_gaps;
            last_seq = seq;
        });
    }

    const Config &config_;
};

bool parse(int argc, char **argv, Config &c) {
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (i + 1 >= argc) return false;
        std::string v = argv[++i];
        if (a == "--host") c.host = v;
        else if (a == "--source-host") c.source_host = v;
        else if (a == "--port") c.port = std::atoi(v.c_str());
        else if (a == "--sender") c.sender = v;
        else if (a == "--target") c.target = v;
        else if (a == "--password") c.password = v;
        else if (a == "--password-file") {
            std::ifstream in(v);
            std::getline(in, c.password);
        } else if (a == "--username") c.username = v;
        else if (a == "--begin-string") c.begin_string = v;
        else if (a == "--burst") c.burst = std::atoi(v.c_str());
        else if (a == "--timeout") c.timeout_s = std::atof(v.c_str());
        else if (a == "--hold") c.hold_s = std::atof(v.c_str());
        else if (a == "--state-dir") c.state_dir = v;
        else if (a == "--ready-file") c.ready_file = v;
        else if (a == "--stop-file") c.stop_file = v;
        else if (a == "--heartbeat") c.heartbeat_s = std::atoi(v.c_str());
        else if (a == "--order-every") c.order_every_s = std::atof(v.c_str());
        else if (a == "--key-id") c.key_id = v;
        else if (a == "--sign-ed25519") c.sign_ed25519 = v;
        else if (a == "--sign-hmac") c.sign_hmac = v;
        else if (a == "--sending-time-offset-ms") c.sending_time_offset_ms = std::atoll(v.c_str());
        else if (a == "--replay-file") c.replay_file = v;
        else {
            std::cerr << "unknown argument: " << a << "\n";
            return false;
        }
    }
    return c.port > 0 && !c.sender.empty() && !c.state_dir.empty();
}

void say(const std::string &line) { std::cout << line << std::endl; }

bool exists(const std::string &path) {
    struct stat st;
    return !path.empty() && ::stat(path.c_str(), &st) == 0;
}

void send_order(const Config &config, const FIX::SessionID &id, const std::string &cl_ord_id) {
    FIX::Message order;
    order.getHeader().setField(35, "D");
    order.setField(11, cl_ord_id);
    if (config.begin_string < "FIX.4.3") order.setField(21, "1"); // HandlInst, FIX.4.2
    order.setField(55, "FIXP");
    order.setField(54, "1");
    order.setField(38, "100");
    order.setField(40, "1");
    order.setField(60, FIX::UtcTimeStampConvertor::convert(FIX::UtcTimeStamp(), 3));
    FIX::Session::sendToTarget(order, id);
}

} // namespace

int main(int argc, char **argv) {
    Config config;
    if (!parse(argc, argv, config)) {
        std::cerr << "usage: fixprov_initiator --port N --sender COMPID --state-dir DIR [--target FIXPROV]\n"
                     "         [--password PW | --password-file F] [--username USER] [--begin-string FIX.4.4]\n"
                     "         [--burst N] [--timeout S] [--hold S] [--ready-file F] [--host 127.0.0.1]\n"
                     "         [--source-host 127.0.0.2] [--heartbeat S] [--order-every S] [--stop-file F]\n"
                     "         [--key-id ID (--sign-ed25519 KEY.pem | --sign-hmac SECRET_FILE)\n"
                     "          [--sending-time-offset-ms N] [--replay-file F]]\n";
        return 2;
    }
    try {
        ::mkdir(config.state_dir.c_str(), 0700);
        FIX::SessionSettings settings;
        FIX::Dictionary defaults;
        defaults.setString("ConnectionType", "initiator");
        defaults.setString("SocketConnectHost", config.host);
        defaults.setInt("SocketConnectPort", config.port);
        // The local address to connect from (e2e.sh: 127.0.0.2 and 127.0.0.3, also loopback).
        if (!config.source_host.empty()) defaults.setString("SocketConnectSourceHost", config.source_host);
        defaults.setString("StartTime", "00:00:00");
        defaults.setString("EndTime", "00:00:00");
        defaults.setInt("HeartBtInt", config.heartbeat_s);
        defaults.setInt("ReconnectInterval", 600); // one connection per run: e2e.sh decides retries
        defaults.setInt("LogoutTimeout", 2);
        defaults.setString("UseDataDictionary", "N");
        defaults.setString("FileLogPath", config.state_dir + "/log");
        settings.set(defaults);
        const FIX::SessionID id(config.begin_string, config.sender, config.target);
        settings.set(id, FIX::Dictionary());

        Client client(config);
        FIX::MemoryStoreFactory store; // sequence numbers start at 1 each run; the acceptor resets on Logon
        FIX::FileLogFactory logs(settings);
        FIX::SocketInitiator initiator(client, store, settings, logs);
        initiator.start();

        // Logon: accepted, refused with a Logout, or dropped without one.
        client.wait(config.timeout_s, [&] { return client.logged_on || client.disconnected; });
        {
            std::lock_guard<std::mutex> lock(client.mutex);
            if (!client.logged_on) {
                say(std::string("logon=") + (client.got_logout ? "refused" : client.disconnected ? "dropped" : "timeout"));
                say("logon_text=" + client.logout_text);
                say("logon_1409=" + client.logout_1409);
            } else {
                say("logon=accepted");
            }
        }
        bool logged_on;
        {
            std::lock_guard<std::mutex> lock(client.mutex);
            logged_on = client.logged_on;
        }
        if (logged_on && config.burst > 0) {
            // The burst: every order built and handed to QuickFIX back to back.
            const auto start = std::chrono::steady_clock::now();
            for (int i = 1; i <= config.burst; ++i) send_order(config, id, "ORD-" + std::to_string(i));
            const auto sent = std::chrono::steady_clock::now();
            const int n = config.burst;
            const bool answered = client.wait(config.timeout_s, [&] {
                return client.exec_reports + client.rejects >= n || client.disconnected;
            });
            std::lock_guard<std::mutex> lock(client.mutex);
            say("sent=" + std::to_string(n));
            say("burst_send_ms=" +
                std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(sent - start).count()));
            say("answered=" + std::string(answered ? "1" : "0"));
            say("exec_reports=" + std::to_string(client.exec_reports));
            say("rejects=" + std::to_string(client.rejects));
            std::string reasons, texts;
            for (const auto &r : client.reject_reasons) reasons += (reasons.empty() ? "" : ",") + r;
            for (const auto &t : client.reject_texts) texts += (texts.empty() ? "" : "|") + t;
            say("reject_380=" + reasons);
            say("reject_text=" + texts);
        }
        if (!config.ready_file.empty()) std::ofstream(config.ready_file) << "ready\n";
        int steady_sent = 0;
        if (logged_on && config.hold_s > 0) {
            // Stay logged on until the acceptor logs us out (a kill, an escalation), the stop file
            // appears, or time is up; with --order-every, send an order at that interval meanwhile.
            const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(config.hold_s);
            auto next_order = std::chrono::steady_clock::now();
            for (;;) {
                const auto now = std::chrono::steady_clock::now();
                if (now >= end || exists(config.stop_file)) break;
                if (config.order_every_s > 0 && now >= next_order) {
                    send_order(config, id, "STEADY-" + std::to_string(++steady_sent));
                    next_order = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                           std::chrono::duration<double>(config.order_every_s));
                }
                const bool out = client.wait(config.stop_file.empty() && config.order_every_s <= 0 ? config.hold_s : 0.05,
                                             [&] { return client.got_logout || client.disconnected; });
                if (out) break;
            }
            if (config.order_every_s > 0) {
                // The last orders' answers.
                client.wait(config.timeout_s, [&] {
                    return client.exec_reports + client.rejects >= steady_sent || client.disconnected;
                });
            }
        }
        if (logged_on) {
            std::lock_guard<std::mutex> lock(client.mutex);
            say(std::string("logged_out=") + (client.got_logout ? "1" : "0"));
            say("logout_text=" + client.logout_text);
            say("logout_unix_ms=" + std::to_string(client.logout_unix_ms));
            say("steady_sent=" + std::to_string(steady_sent));
            say("exec_reports_total=" + std::to_string(client.exec_reports));
            say("rejects_total=" + std::to_string(client.rejects));
            say("heartbeats_in=" + std::to_string(client.heartbeats_in));
            say("inbound=" + std::to_string(client.inbound));
            say("seq_gaps=" + std::to_string(client.seq_gaps));
            say("logons=" + std::to_string(client.logons));
        }
        initiator.stop(); // sends our Logout if still logged on
        say("done=1");
        return 0;
    } catch (const std::exception &e) {
        std::cerr << "fixprov_initiator: " << e.what() << "\n";
        return 1;
    }
}
