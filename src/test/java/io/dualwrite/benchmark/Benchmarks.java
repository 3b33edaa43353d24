package io.dualwrite.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Runs every benchmark and writes the results to a Markdown file (overwriting it). Run it with
 * <pre>{@value #COMMAND}</pre>
 * which runs this class with the test classpath and {@code -Xmx1g}, writing {@code docs/benchmarks.md} (the copier
 * benchmark forks two more JVMs from this one's classpath: see {@link CopierBenchmark}).
 */
public final class Benchmarks {

    /** The command that reproduces the figures. */
    static final String COMMAND = "./mvnw -B -Pbenchmark -DskipTests verify";

    private Benchmarks() {
    }

    /** One benchmark: its title, what it measures and how, and how to run it. */
    private record Benchmark(String title, String description, Supplier<List<BenchmarkResult>> run) {
    }

    /** A benchmark's results and how long it took. */
    private record Measured(Benchmark benchmark, List<BenchmarkResult> results, Duration took) {
    }

    /**
     * Runs every benchmark and writes the report.
     *
     * @param args the Markdown file to write (default {@code docs/benchmarks.md})
     */
    public static void main(String[] args) throws IOException {
        Path output = Path.of(args.length > 0 ? args[0] : "docs/benchmarks.md");
        Locale.setDefault(Locale.ROOT);
        List<Benchmark> benchmarks = List.of(
                new Benchmark("Guarded write on the embedded server", """
                        The optimistic guard's cost on the embedded server (`IdIndexedMemoryBackend`): a guarded save \
                        `replaceOne({_id, version: v})` against a plain `replaceOne({_id})` on the same collection \
                        through the MongoDB driver, no Spring. For information, the same guarded save on \
                        mongo-java-server's stock `MemoryBackend`, which scans the collection for such a filter \
                        (measured once, not interleaved: the point is the order of magnitude).""",
                        GuardedWriteBenchmark::run),
                new Benchmark("Phased repository against plain Spring Data", """
                        Through a real Spring application context (`io.dualwrite.benchmark.BenchmarkApplication`, \
                        non-web) on the embedded server, in a database of its own. The migration moves \
                        `bench_people_v1` (old shape: a hand-written `DocumentMapping` with legacy field names and \
                        the age as text) to `bench_people_v2` (new shape: `ShapeDeclaration.springData`); the \
                        phase is set in memory (`SettablePhaseSource`). Reads compare the phased repository's \
                        `findById` with a plain `MongoRepository.findById` of an equivalent `@Document` entity \
                        (same fields) in its own collection of the same size. Writes compare an update through the \
                        phased repository in a write-both phase (two writes: a version compare-and-set on the old \
                        shape, which decides while instances may read it, then the guarded new shape) with the same update in `OLD_ONLY` (one \
                        write, same compare-and-set); the candidate and the baseline update disjoint halves of the \
                        ids, so that `OLD_ONLY` writes never leave the new shape of the candidate's entities \
                        behind. A write-both save is two sequential round trips to the server (the second an \
                        upsert guarded by the version), an `OLD_ONLY` save one: where the round trip dominates, as \
                        on the embedded server (a probe put Spring Data's conversion of the new shape at about \
                        1 µs of a save of about 100 µs), the floor of that ratio is about 2.""",
                        RepositoryBenchmark::run),
                new Benchmark("Shadow reads on the read path", """
                        What shadow reads cost a caller (`io.dualwrite.shadow`): the phased repository's `findById` \
                        in `READ_OLD_WRITE_BOTH` with shadow reads sampling 1 % of the reads (the default rate) \
                        against the same `findById` with the rate at 0, alternating in rounds in one Spring \
                        context of `BenchmarkApplication` on the embedded server (the migration of the repository \
                        benchmark, both shapes written through the repository). The rate is switched with \
                        `ShadowReads.setSampleRate` at the start of each side's round, and a candidate round ends \
                        only when every comparison it handed over is done (`ShadowReads.awaitComparisons`): the \
                        comparisons (a read of the new shape by id and the mappings, on the comparison thread) share \
                        the machine's 2 cores with the caller and the server, and their time counts against the \
                        candidate. On the caller's thread a read that is not sampled costs a volatile read and a \
                        `ThreadLocalRandom` draw; a sampled one queues its document. Reproduce with the command at \
                        the top (it runs every benchmark; this one alone: `io.dualwrite.benchmark.ShadowReadBenchmark` \
                        with the test classpath).""",
                        ShadowReadBenchmark::run),
                new Benchmark("Copier against a raw bulk insert", """
                        The copier (`io.dualwrite.copier`) copying 1,000,000 legacy documents of the fixture migration \
                        `people-v2` (old `people_v1` documents `{_id: "p0000001", first_name, last_name, mail, \
                        age_text, phone}`; the new shape is what the migration's mappings make of them: camelCase \
                        names, the age as a number, the phone nested under `contact`) into an empty `people_v2`, \
                        against the baseline: `insertMany` in batches of 1,000 of exactly the documents the copier \
                        writes (the legacy documents generated and mapped in the same JVM, `_id` and version 0 \
                        added), into an empty collection, no guard, nothing read from the server. The copier runs \
                        as an application would run it, `Copier.run` with its default options (1 worker, batches of \
                        1,000, 16 partitions planned from the `_id` quantiles): leases and checkpoints in MongoDB, \
                        each partition read with one sorted cursor one batch ahead, each batch written with a plain \
                        unordered insert while the target lacks the documents (the guarded replace-or-insert, \
                        `{_id, version older than read}`, for the ones it holds) and then re-checked for deletes on \
                        the old collection; its time includes planning and finishing the run. The server and the \
                        copier run in JVMs of their own, forked from this one with its classpath: the embedded \
                        server (`BenchmarkMongoServer`, `IdIndexedMemoryBackend`) with a heap big enough for the 3 \
                        million documents it holds at the end (about a kilobyte of heap each), the copier and the \
                        baseline (`CopierWorkload`: a Spring context of the fixture application, \
                        `spring.mongodb.uri` pointing at the forked server, `dualwrite.embedded.enabled=false`) \
                        with `-Xmx256m`. Both targets are dropped before every run and the server collects its \
                        garbage, so each run starts next to the same million old documents. A warm-up round of \
                        all three runs comes first, not measured (the first runs after seeding are slower for every \
                        kind, and the first copier run on a collection also builds the embedded server's ordered \
                        view of its ids, about half a second at a million); then baseline, copier with 1 worker and \
                        copier with 2 workers alternate in rounds whose order rotates. After the last round both \
                        targets are compared document by document: equal. The goal is on the 1-worker copier (the \
                        default, and one thread like the baseline); the 2-worker figure is for information: the \
                        machine's 2 cores are shared by both workers and the server in the other JVM, which does \
                        most of the work. Reproduce with the command at the top (it runs every benchmark; this \
                        one alone: `io.dualwrite.benchmark.CopierBenchmark` with the test classpath).""",
                        CopierBenchmark::run),
                new Benchmark("Phase change reaching every instance", """
                        Three application contexts of `io.dualwrite.benchmark.propagation.PropagationInstance` \
                        (non-web, the fixture migration `people-v2`) in this JVM share one database on the embedded \
                        server, each with the production phase source: the shared Togglz state read into memory by \
                        a background poller every `max-staleness / 2` (defaults: 1 s, so every 500 ms). A phase \
                        change is requested through `PhaseToggles` on the first context, and the three contexts' \
                        `PhaseSource`s are watched (every 0.2 ms) until all three answer the new phase; the latency \
                        is the time to the slowest of them. Changes alternate between `OLD_ONLY` and \
                        `READ_OLD_WRITE_BOTH` with the guard off (`dualwrite.guard.enabled=false`, so the phase can \
                        go back and forth; with it on the request adds the guard's reads) and start at a random \
                        point of the pollers' period. Not a ratio of two implementations: the figure is the p99 \
                        latency over the 1 s goal. This one alone: `io.dualwrite.benchmark.PhaseChangeBenchmark` \
                        with the test classpath.""",
                        PhaseChangeBenchmark::run));

        Instant started = Instant.now();
        List<Measured> measured = new ArrayList<>();
        for (Benchmark benchmark : benchmarks) {
            System.out.println("Benchmark: " + benchmark.title() + " ...");
            long start = System.nanoTime();
            List<BenchmarkResult> results = benchmark.run().get();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            print(results);
            System.out.printf("  (%d s)%n", took.toSeconds());
            measured.add(new Measured(benchmark, results, took));
        }
        Duration total = Duration.between(started, Instant.now());
        String report = report(started, total, measured);
        Path parent = output.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(output, report, StandardCharsets.UTF_8);
        System.out.println("Wrote " + output + " (" + total.toSeconds() + " s in all)");
    }

    /** Prints results to standard output. */
    static void print(List<BenchmarkResult> results) {
        for (BenchmarkResult result : results) {
            System.out.printf("%s%n  baseline (%s): %,.0f ops/s%n  candidate: %,.0f ops/s%n  ratio (%s): %.3f, "
                    + "goal %s: %s%n  %s%n", result.name(), result.baseline(), result.baselineOpsPerSecond(),
                    result.candidateOpsPerSecond(), result.ratioMeaning(), result.ratio(), result.goal(),
                    result.met() ? "met" : "NOT met", result.notes());
        }
    }

    private static String report(Instant started, Duration total, List<Measured> measured) {
        StringBuilder out = new StringBuilder();
        out.append("# Benchmarks\n\n");
        out.append("Generated by `io.dualwrite.benchmark.Benchmarks`; do not edit by hand. Reproduce with\n\n");
        out.append("```\n").append(COMMAND).append("\n```\n\n");
        out.append("(the `benchmark` profile runs the benchmarks with the test classpath and `-Xmx1g` in phase "
                + "`integration-test` and rewrites this file; `-DskipTests` skips the test suites, not the "
                + "benchmarks; the copier benchmark forks a server JVM and a copier JVM of its own, see its "
                + "section).\n\n");
        out.append("Every figure is a ratio against a baseline measured in the same process: warm-up first, then "
                + "baseline and candidate alternate in rounds (which one goes first alternates too), and the ratio "
                + "is the median of the per-round ratios. The ops/s are each side's total operations over its total "
                + "measured time. Operations run one at a time on one thread (the embedded server answers on its "
                + "own threads), unless a section says otherwise.\n\n");
        out.append("| run | |\n| --- | --- |\n");
        out.append("| date | ").append(DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(
                started.atOffset(ZoneOffset.UTC).withNano(0))).append(" UTC |\n");
        out.append("| JVM | ").append(System.getProperty("java.vm.name")).append(' ')
            .append(System.getProperty("java.runtime.version")).append(" (")
            .append(System.getProperty("java.vm.vendor")).append("), max heap ")
            .append(Runtime.getRuntime().maxMemory() / (1024 * 1024)).append(" MiB, heap used at most ")
            .append(peakHeapMiB()).append(" MiB (sum of the heap pools' peaks) |\n");
        out.append("| machine | ").append(cpuModel()).append(", ")
            .append(Runtime.getRuntime().availableProcessors()).append(" cores available to the JVM, ")
            .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.version"))
            .append(' ').append(System.getProperty("os.arch")).append(" |\n");
        out.append("| duration | ").append(total.toSeconds()).append(" s |\n\n");

        out.append("## Summary\n\n");
        out.append("| measurement | ratio | goal | met |\n| --- | ---: | --- | --- |\n");
        for (Measured m : measured) {
            for (BenchmarkResult result : m.results()) {
                out.append("| ").append(cell(result.name())).append(" | ").append(String.format("%.4f",
                        result.ratio())).append(" | ").append(cell(result.goal())).append(" | ")
                    .append(met(result)).append(" |\n");
            }
        }
        out.append('\n');

        for (Measured m : measured) {
            out.append("## ").append(m.benchmark().title()).append("\n\n");
            out.append(m.benchmark().description()).append(" Took ").append(m.took().toSeconds())
                .append(" s.\n\n");
            out.append("| measurement | baseline | baseline ops/s | candidate ops/s | ratio | ratio means | goal | met "
                    + "| notes |\n");
            out.append("| --- | --- | ---: | ---: | ---: | --- | --- | --- | --- |\n");
            for (BenchmarkResult result : m.results()) {
                out.append("| ").append(cell(result.name()))
                    .append(" | ").append(cell(result.baseline()))
                    .append(" | ").append(String.format("%,.0f", result.baselineOpsPerSecond()))
                    .append(" | ").append(String.format("%,.0f", result.candidateOpsPerSecond()))
                    .append(" | ").append(String.format("%.4f", result.ratio()))
                    .append(" | ").append(cell(result.ratioMeaning()))
                    .append(" | ").append(cell(result.goal()))
                    .append(" | ").append(met(result))
                    .append(" | ").append(cell(result.notes())).append(" |\n");
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static String met(BenchmarkResult result) {
        if (result.goal().startsWith("information")) {
            return "n/a";
        }
        return result.met() ? "met" : "**not met**";
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }

    private static long peakHeapMiB() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak / (1024 * 1024);
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        }
        catch (IOException | UncheckedIOException | SecurityException ex) {
            // not Linux: the core count says enough
        }
        return "CPU model unknown";
    }
}
