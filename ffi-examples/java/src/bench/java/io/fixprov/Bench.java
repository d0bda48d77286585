package io.fixprov;

import java.util.Arrays;
import java.util.Locale;

/**
 * The per-message check from Java, next to the same call made in a C loop and next to an empty JNI
 * call, so the binding's overhead shows.
 *
 * <pre>
 * java -Djava.library.path=build -cp build/classes:build/bench-classes io.fixprov.Bench [--quick] [--calls N] [--rounds R]
 * </pre>
 *
 * Quick mode (--quick, or FIXPROV_BENCH=quick) takes about a second; the default (20 million calls per
 * row, 7 rounds) is the one to quote. Every check is on the admitted path (a tier of 10^9 per second,
 * verified: a loop whose checks were not all admitted fails the run), each Java loop is its own
 * method (so the JIT compiles each alone), each row is the median of its rounds, and every row has its
 * own session (a session sees one time base).
 */
public final class Bench {
    private Bench() {}

    private static long sink;

    // ------------------------------------------------------------ one Java loop per measured call

    private static long loopNoop(long n) {
        for (long i = 0; i < n; i++) {
            FixProv.noop();
        }
        return 0;
    }

    private static long loopNoopArgs(long e, long s, long n) {
        long acc = 0;
        for (long i = 0; i < n; i++) {
            acc += FixProv.noopArgs(e, s, FixProv.MSG_ORDER);
        }
        return acc;
    }

    private static long loopCheckOrder(Engine engine, long s, long n) {
        long acc = 0;
        for (long i = 0; i < n; i++) {
            acc += engine.check(s, true);
        }
        return acc;
    }

    private static long loopCheckOther(Engine engine, long s, long n) {
        long acc = 0;
        for (long i = 0; i < n; i++) {
            acc += engine.check(s, false);
        }
        return acc;
    }

    private static long loopCheckAt(Engine engine, long s, long t0, long n) {
        long acc = 0;
        for (long i = 0; i < n; i++) {
            acc += engine.checkAt(s, true, t0 + i);
        }
        return acc;
    }

    private static long loopMsgTypePacked(Engine engine, long s, long n) {
        long acc = 0;
        for (long i = 0; i < n; i++) {
            acc += engine.checkMsgType(s, MsgType.NEW_ORDER_SINGLE);
        }
        return acc;
    }

    private static long loopMsgTypeBytes(Engine engine, long s, byte[] msgType, long n) {
        long acc = 0;
        for (long i = 0; i < n; i++) {
            acc += engine.checkMsgType(s, msgType);
        }
        return acc;
    }

    // ------------------------------------------------------------ harness

    private interface Loop {
        /** Runs n calls; returns the sum of the statuses (0 when every check was admitted). */
        long run(long n);
    }

    /** A row: the Java loop, and the C loop of the same library call (kind for nativeCheckLoop, or -1). */
    private static final class Row {
        final String name;
        final Loop java;
        final boolean mustAdmit;
        final int cKind;
        final long cSession;
        final double[] javaNs;
        final double[] cNs;
        long cClock = 1;

        Row(String name, boolean mustAdmit, int cKind, long cSession, int rounds, Loop java) {
            this.name = name;
            this.java = java;
            this.mustAdmit = mustAdmit;
            this.cKind = cKind;
            this.cSession = cSession;
            this.javaNs = new double[rounds];
            this.cNs = new double[rounds];
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double timeJava(Row row, long calls) {
        long start = System.nanoTime();
        long acc = row.java.run(calls);
        long elapsed = System.nanoTime() - start;
        if (row.mustAdmit && acc != 0) {
            throw new AssertionError(row.name + ": some checks were not admitted (status sum " + acc + ")");
        }
        sink += acc;
        return (double) elapsed / calls;
    }

    private static double timeC(long engine, Row row, long calls) {
        long ns = FixProv.nativeCheckLoop(engine, row.cSession, row.cKind, row.cClock, calls);
        row.cClock += calls;
        if (ns < 0) throw new AssertionError(row.name + " (C loop): some checks were not admitted");
        return (double) ns / calls;
    }

    public static void main(String[] args) {
        boolean quick = "quick".equalsIgnoreCase(System.getenv().getOrDefault("FIXPROV_BENCH", ""));
        long calls = -1;
        int rounds = -1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick": quick = true; break;
                case "--calls": calls = Long.parseLong(args[++i]); break;
                case "--rounds": rounds = Integer.parseInt(args[++i]); break;
                default: throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (calls < 0) calls = quick ? 2_000_000 : 20_000_000;
        if (rounds < 0) rounds = quick ? 3 : 7;
        final long n = calls;

        try (EngineOptions options = new EngineOptions().eligibility(false, false);
                Engine engine = Engine.open(options)) {
            // admitted on every call: 10^9 per second with a burst of 10^9, on both buckets
            long max = 1_000_000_000L;
            engine.setTier("bench", TierSpec.of(max, max, max, max, 100));
            engine.setUserTier("bench-user", "bench");
            long e = engine.nativeHandle();
            long[] s = new long[12];
            for (int i = 0; i < s.length; i++) {
                s[i] = engine.openSession("bench-user").handle(); // closed with the engine
            }
            byte[] d = {'D'};
            long[] clock = {1};
            Row[] rows = {
                new Row("empty JNI call: static native void noop()", false, -1, 0, rounds, k -> loopNoop(k)),
                new Row("JNI call (long, long, int) -> int, empty", false, -1, 0, rounds,
                        k -> loopNoopArgs(e, s[0], k)),
                new Row("check(session, true): order, coarse clock", true, 0, s[1], rounds,
                        k -> loopCheckOrder(engine, s[2], k)),
                new Row("check(session, false): other", true, 1, s[3], rounds,
                        k -> loopCheckOther(engine, s[4], k)),
                new Row("checkAt(session, true, t): caller's time", true, 2, s[5], rounds, k -> {
                    long r = loopCheckAt(engine, s[6], clock[0], k);
                    clock[0] += k;
                    return r;
                }),
                new Row("checkMsgType(session, MsgType.NEW_ORDER_SINGLE)", true, 3, s[7], rounds,
                        k -> loopMsgTypePacked(engine, s[8], k)),
                new Row("checkMsgType(session, byte[] {'D'})", true, 3, s[9], rounds,
                        k -> loopMsgTypeBytes(engine, s[10], d, k)),
            };

            long warm = Math.min(n, 2_000_000);
            for (int w = 0; w < 3; w++) {
                for (Row row : rows) {
                    timeJava(row, warm);
                    if (row.cKind >= 0) timeC(e, row, warm);
                }
            }
            long start = System.nanoTime();
            for (int r = 0; r < rounds; r++) {
                for (Row row : rows) {
                    row.javaNs[r] = timeJava(row, n);
                    if (row.cKind >= 0) row.cNs[r] = timeC(e, row, n);
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;

            double empty = median(rows[0].javaNs);
            System.out.printf(Locale.ROOT,
                    "fixprov Java binding (JNI) benchmark, %s: %,d calls x %d rounds per row, median ns per call%n",
                    quick ? "quick mode" : "full mode", n, rounds);
            System.out.printf(Locale.ROOT, "%s %s, %d CPUs; timed part %.1f s%n", System.getProperty("java.vm.name"),
                    System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), seconds);
            String line = "+" + "-".repeat(52) + "+" + "-".repeat(9) + "+" + "-".repeat(9) + "+" + "-".repeat(11) + "+";
            System.out.println(line);
            System.out.printf(Locale.ROOT, "| %-50s | %7s | %7s | %9s |%n", "call (Engine methods unless said)", "Java",
                    "C loop", "binding");
            System.out.println(line);
            double overheadSum = 0;
            int overheadRows = 0;
            for (Row row : rows) {
                double j = median(row.javaNs);
                if (row.cKind >= 0) {
                    double c = median(row.cNs);
                    overheadSum += j - c;
                    overheadRows++;
                    System.out.printf(Locale.ROOT, "| %-50s | %7.2f | %7.2f | %+9.2f |%n", row.name, j, c, j - c);
                } else {
                    System.out.printf(Locale.ROOT, "| %-50s | %7.2f | %7s | %+9.2f |%n", row.name, j, "-", j);
                }
            }
            System.out.println(line);
            System.out.printf(Locale.ROOT,
                    "binding = Java - C loop: the JNI transition and the wrapper; mean %.2f ns over the checks, "
                            + "empty JNI call %.2f ns%n", overheadSum / overheadRows, empty);
        }
        if (sink == Long.MIN_VALUE) System.out.println(); // keep the results alive
    }
}
