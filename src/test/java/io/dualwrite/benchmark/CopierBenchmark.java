package io.dualwrite.benchmark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import io.dualwrite.benchmark.CopierWorkload.Measurement;

/**
 * The copier against a raw bulk insert of the same documents, on the embedded server, with the server and the copier
 * in JVMs of their own: {@link BenchmarkMongoServer} with a large heap ({@link #SERVER_HEAP_OPTIONS}; the server keeps
 * every document in its heap, about a kilobyte each) and {@link CopierWorkload} with {@value #COPIER_HEAP}, the heap
 * the copier must work in. This class starts both from the current classpath, relays the workload's requests for a
 * garbage collection on the server, and turns its measurements into ratios: per round, copier ops/s over raw ops/s
 * (goal &gt;= {@value #GOAL}) and 2 workers over 1; the reported ratio is the median over the rounds.
 */
public final class CopierBenchmark {

    static final int DOCUMENTS = 1_000_000;

    static final int ROUNDS = 5;

    static final int WARM_UP_ROUNDS = 1;

    /** The server JVM's heap: fixed (resizing would cost full collections mid-run), room for 3 million documents. */
    static final List<String> SERVER_HEAP_OPTIONS = List.of("-Xms6g", "-Xmx6g", "-XX:+UseParallelGC");

    static final String COPIER_HEAP = "-Xmx256m";

    static final double GOAL = 0.8;

    private CopierBenchmark() {
    }

    /** What the two JVMs reported. */
    record Outcome(List<Measurement> measurements, int warmUpRounds, long copierPeakHeapMiB, long serverPeakHeapMiB,
            String serverHeap) {

        List<Measurement> of(String kind) {
            return measurements.stream().filter(m -> m.kind().equals(kind)).toList();
        }
    }

    /**
     * Runs the benchmark at full size.
     *
     * @return the copier (1 worker) against the raw insert, then 2 workers against 1
     */
    public static List<BenchmarkResult> run() {
        return results(measure(DOCUMENTS, ROUNDS, WARM_UP_ROUNDS, SERVER_HEAP_OPTIONS, List.of()), DOCUMENTS);
    }

    /**
     * Runs the benchmark (full size without arguments) and prints the results.
     *
     * @param args documents, measured rounds and warm-up rounds
     */
    public static void main(String[] args) {
        int documents = args.length > 0 ? Integer.parseInt(args[0]) : DOCUMENTS;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : ROUNDS;
        int warmUp = args.length > 2 ? Integer.parseInt(args[2]) : WARM_UP_ROUNDS;
        Benchmarks.print(results(measure(documents, rounds, warmUp, SERVER_HEAP_OPTIONS, List.of()), documents));
    }

    /**
     * Starts the server and the workload JVMs and collects what they report.
     *
     * @param serverHeap the server JVM's heap (and garbage collector) options
     * @param extraOptions more options for both JVMs (the smoke test trades peak speed for a quick start)
     */
    static Outcome measure(int documents, int rounds, int warmUpRounds, List<String> serverHeap,
            List<String> extraOptions) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("java.class.path");
        Process server = null;
        Process workload = null;
        try {
            List<String> serverCommand = new ArrayList<>(List.of(java));
            serverCommand.addAll(serverHeap);
            serverCommand.addAll(extraOptions);
            serverCommand.addAll(extraJvmArguments("benchmark.server.jvmArgs"));
            serverCommand.addAll(List.of("-cp", classpath, BenchmarkMongoServer.class.getName()));
            server = new ProcessBuilder(serverCommand).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader serverOut = reader(server);
            PrintWriter serverIn = writer(server);
            String started = answer(serverOut);
            if (started == null || !started.startsWith("@port ")) {
                throw new IllegalStateException("The benchmark server did not start: " + started);
            }
            String uri = "mongodb://127.0.0.1:" + started.substring("@port ".length()).trim() + "/";
            List<String> command = new ArrayList<>(List.of(java, COPIER_HEAP));
            command.addAll(extraOptions);
            command.addAll(extraJvmArguments("benchmark.copier.jvmArgs"));
            command.addAll(List.of("-cp", classpath, CopierWorkload.class.getName(), uri, Integer.toString(documents),
                    Integer.toString(rounds), Integer.toString(warmUpRounds)));
            workload = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader workloadOut = reader(workload);
            PrintWriter workloadIn = writer(workload);
            List<Measurement> measurements = new ArrayList<>();
            long copierPeak = -1;
            String line;
            while ((line = workloadOut.readLine()) != null) {
                if (line.equals("@gc")) {
                    serverIn.println("gc");
                    serverIn.flush();
                    answer(serverOut);
                    workloadIn.println("go");
                    workloadIn.flush();
                }
                else if (line.startsWith("@result ")) {
                    Measurement measurement = Measurement.decode(line.substring("@result ".length()));
                    measurements.add(measurement);
                    System.out.printf(Locale.ROOT, "  %s, round %d: %.1f s, %,.0f documents/s%n", measurement.kind(),
                            measurement.round(), measurement.nanos() / 1e9, measurement.opsPerSecond());
                }
                else if (line.startsWith("@heap ")) {
                    copierPeak = Long.parseLong(line.substring("@heap ".length()).trim());
                }
                else {
                    System.out.println("  copier | " + line);
                }
            }
            if (workload.waitFor() != 0 || copierPeak < 0) {
                throw new IllegalStateException("The copier benchmark workload failed (exit code "
                        + workload.exitValue() + "); see its output above");
            }
            serverIn.println("peak");
            serverIn.flush();
            String peak = answer(serverOut);
            long serverPeak = peak != null && peak.startsWith("@peak ")
                    ? Long.parseLong(peak.replaceAll("[^0-9]", "")) : -1;
            return new Outcome(measurements, warmUpRounds, copierPeak, serverPeak, String.join(" ", serverHeap));
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", ex);
        }
        finally {
            stop(workload);
            stop(server);
        }
    }

    /** The benchmark's figures from what the JVMs reported. */
    static List<BenchmarkResult> results(Outcome outcome, int documents) {
        List<Measurement> raw = outcome.of("raw");
        List<Measurement> one = outcome.of("copier-1");
        List<Measurement> two = outcome.of("copier-2");
        int rounds = raw.size();
        double[] copierOverRaw = new double[rounds];
        double[] twoOverOne = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            copierOverRaw[round] = one.get(round).opsPerSecond() / raw.get(round).opsPerSecond();
            twoOverOne[round] = two.get(round).opsPerSecond() / one.get(round).opsPerSecond();
        }
        double ratio = Interleaved.median(copierOverRaw);
        double workers = Interleaved.median(twoOverOne);
        String setting = String.format(Locale.ROOT, "%,d documents, %d warm-up round(s) of all three runs, then %d "
                + "interleaved rounds (order rotating), per-round ratios %s; copier defaults (batches of 1,000, %d "
                + "partitions, unlimited rate); copier JVM %s, peak heap %d MiB (sum of the heap pools' peaks over the "
                + "whole copier JVM: seeding, baselines and all copier runs); server JVM %s (peak heap %d MiB), full "
                + "GC before every run; %d cores shared by both JVMs", documents, outcome.warmUpRounds(), rounds, "%s", one.get(0).partitions(), COPIER_HEAP,
                outcome.copierPeakHeapMiB(), outcome.serverHeap(), outcome.serverPeakHeapMiB(),
                Runtime.getRuntime().availableProcessors());
        BenchmarkResult copierVsRaw = new BenchmarkResult(
                "Copier, 1 worker (guarded writes, delete re-check) vs raw insertMany of the same documents",
                "raw insertMany in batches of 1,000 of the mapped documents into an empty collection, no guard",
                opsPerSecond(raw), opsPerSecond(one), ratio, "median over rounds of candidate ops/s / baseline ops/s",
                ">= " + GOAL, ratio >= GOAL, String.format(setting, range(copierOverRaw)));
        BenchmarkResult twoVsOne = new BenchmarkResult("Copier, 2 workers vs 1 worker (information)",
                "the copier with 1 worker", opsPerSecond(one), opsPerSecond(two), workers,
                "median over rounds of candidate ops/s / baseline ops/s", "information only", true,
                String.format(setting, range(twoOverOne)) + "; the server answers on its own threads in the other JVM "
                        + "and competes with the workers for the same cores");
        return List.of(copierVsRaw, twoVsOne);
    }

    private static double opsPerSecond(List<Measurement> measurements) {
        long documents = 0;
        long nanos = 0;
        for (Measurement measurement : measurements) {
            documents += measurement.documents();
            nanos += measurement.nanos();
        }
        return documents / (nanos / 1e9);
    }

    private static String range(double[] ratios) {
        double[] sorted = ratios.clone();
        java.util.Arrays.sort(sorted);
        return String.format(Locale.ROOT, "%.3f-%.3f", sorted[0], sorted[sorted.length - 1]);
    }

    /** The server's next answer (a line starting with {@code @}), echoing its log lines; null at its end. */
    private static String answer(BufferedReader serverOut) throws IOException {
        String line;
        while ((line = serverOut.readLine()) != null && !line.startsWith("@")) {
            System.out.println("  server | " + line);
        }
        return line;
    }

    /** JVM arguments for a forked JVM from a system property (for profiling: {@code -Dbenchmark.server.jvmArgs=...}). */
    private static List<String> extraJvmArguments(String property) {
        String value = System.getProperty(property, "").trim();
        return value.isEmpty() ? List.of() : List.of(value.split("\\s+"));
    }

    private static BufferedReader reader(Process process) {
        return new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    private static PrintWriter writer(Process process) {
        return new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
    }

    private static void stop(Process process) {
        if (process == null) {
            return;
        }
        try {
            process.getOutputStream().close(); // the server stops when its input closes
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        catch (IOException ex) {
            process.destroyForcibly();
        }
        catch (InterruptedException ex) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
