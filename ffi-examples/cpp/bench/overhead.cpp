// The share of a QuickFIX C++ gateway's per-message budget that fixprov takes.
//
// Measures, on the same machine in one run, per inbound NewOrderSingle:
//   1. QuickFIX's own work on it: parsing the raw message into a FIX::Message (what the engine does
//      for every message before the application sees it; no data dictionary, as in the acceptor);
//   2. what the acceptor adds for fixprov: reading MsgType (35) and fixprov_check_msgtype;
//   3. the fixprov call alone;
//   4. building and serializing the ExecutionReport a venue answers with (QuickFIX's outbound work).
// Each figure is the median of several rounds of N messages, in ns per message. A lower bound of
// QuickFIX's real cost: sequence numbers, the message store and the socket come on top.
//
//   make -C ffi-examples/cpp bench && ffi-examples/cpp/build/overhead [messages-per-round]
#include "fixprov.hpp"

#include <quickfix/Message.h>
#include <quickfix/fix44/ExecutionReport.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// A NewOrderSingle as it arrives on the wire (FIX 4.4, SOH-separated, valid checksum).
std::string new_order_single() {
    FIX::Message m;
    m.getHeader().setField(FIX::BeginString("FIX.4.4"));
    m.getHeader().setField(FIX::MsgType("D"));
    m.getHeader().setField(FIX::SenderCompID("FP_ALICE"));
    m.getHeader().setField(FIX::TargetCompID("FIXPROV"));
    m.getHeader().setField(FIX::MsgSeqNum(42));
    m.getHeader().setField(FIX::SendingTime(FIX::UtcTimeStamp()));
    m.setField(FIX::ClOrdID("ORD-000042"));
    m.setField(FIX::Symbol("EUR/USD"));
    m.setField(FIX::Side(FIX::Side_BUY));
    m.setField(FIX::TransactTime(FIX::UtcTimeStamp()));
    m.setField(FIX::OrderQty(1000000));
    m.setField(FIX::OrdType(FIX::OrdType_LIMIT));
    m.setField(FIX::Price(1.08425));
    m.setField(FIX::TimeInForce(FIX::TimeInForce_DAY));
    return m.toString();
}

template <class F> double median_ns(int rounds, long n, F &&body) {
    std::vector<double> per;
    for (int r = 0; r < rounds; ++r) {
        auto t0 = Clock::now();
        for (long i = 0; i < n; ++i) body(i);
        auto t1 = Clock::now();
        per.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(n));
    }
    std::sort(per.begin(), per.end());
    return per[per.size() / 2];
}

volatile std::uint64_t sink;

}  // namespace

int main(int argc, char **argv) {
    long n = argc > 1 ? std::atol(argv[1]) : 200000;
    if (n <= 0) n = 200000;
    const int rounds = 7;
    try {
        fixprov::Engine engine;
        fixprov_tier_spec open{};
        open.orders_per_sec = open.messages_per_sec = 1000000000ULL;
        open.order_burst = open.message_burst = 1000000000ULL;
        open.max_sessions = 1;
        engine.tier_set("bench", open);
        engine.user_set_tier("bench-user", "bench");
        fixprov::Session session = engine.session_open("bench-user");
        const std::string raw = new_order_single();

        double parse = median_ns(rounds, n, [&](long) {
            FIX::Message m(raw, false);
            sink = sink + m.getHeader().getField(FIX::FIELD::MsgSeqNum).size();
        });
        double check_only = median_ns(rounds, n, [&](long) { sink = sink + session.check_msgtype("D", 1); });
        FIX::Message parsed(raw, false);
        double read_and_check = median_ns(rounds, n, [&](long) {
            const std::string &type = parsed.getHeader().getField(FIX::FIELD::MsgType);
            sink = sink + session.check_msgtype(type);
        });
        double answer = median_ns(rounds, n, [&](long i) {
            FIX44::ExecutionReport report(FIX::OrderID("O-" + std::to_string(i)), FIX::ExecID("E-" + std::to_string(i)),
                                          FIX::ExecType(FIX::ExecType_NEW), FIX::OrdStatus(FIX::OrdStatus_NEW),
                                          FIX::Side(FIX::Side_BUY), FIX::LeavesQty(1000000), FIX::CumQty(0),
                                          FIX::AvgPx(0));
            report.setField(FIX::ClOrdID("ORD-000042"));
            report.setField(FIX::Symbol("EUR/USD"));
            sink = sink + report.toString().size();
        });
        fixprov_session_stats stats = session.stats();
        if (stats.orders != static_cast<std::uint64_t>(2 * rounds * n)) {
            std::fprintf(stderr, "overhead: expected %ld admitted orders, saw %llu\n", 2L * rounds * n,
                         static_cast<unsigned long long>(stats.orders));
            return 1;
        }
        double quickfix = parse + answer;
        std::printf("| per NewOrderSingle (median of %d rounds of %ld) | ns |\n| --- | ---: |\n", rounds, n);
        std::printf("| QuickFIX: parse the inbound message | %.1f |\n", parse);
        std::printf("| QuickFIX: build and serialize the ExecutionReport | %.1f |\n", answer);
        std::printf("| fixprov: fixprov_check_msgtype alone | %.1f |\n", check_only);
        std::printf("| fixprov as the acceptor calls it (read 35, check) | %.1f |\n", read_and_check);
        std::printf("\nfixprov's share of QuickFIX's own per-order work (parse + answer): %.1f%%\n",
                    100.0 * read_and_check / (quickfix + read_and_check));
        std::printf("RESULT parse_ns=%.1f answer_ns=%.1f check_ns=%.1f read_and_check_ns=%.1f\n", parse, answer,
                    check_only, read_and_check);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "overhead: %s\n", e.what());
        return 1;
    }
    return 0;
}
