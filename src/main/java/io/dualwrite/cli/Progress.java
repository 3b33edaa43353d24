package io.dualwrite.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;

import io.dualwrite.copier.Counts;
import io.dualwrite.copier.JobKind;
import io.dualwrite.copier.JobReport;
import io.dualwrite.copier.JobRun;
import io.dualwrite.copier.JobStatus;

/**
 * The progress bar of a copy or verification run, drawn by the progressbar library: done of the estimated total, with
 * the rate, the ETA and the counters as its message. On a terminal it redraws one line; elsewhere (a log, a Kubernetes
 * pod) it prints a line now and then, and always the last one.
 */
final class Progress implements AutoCloseable {

    /** Where the bar goes. */
    enum Mode {

        /** Redrawn in place on the terminal's standard error. */
        TERMINAL,

        /** Printed as plain lines on standard error, at most one per interval, and the final one. */
        LINES,

        /** Not shown ({@code --no-progress}). */
        NONE;

        /** A terminal when the JVM has a console, plain lines otherwise. */
        static Mode detect() {
            return System.console() != null ? TERMINAL : LINES;
        }
    }

    /** How often the bar is redrawn. */
    static final int REFRESH_MILLIS = 500;

    private final ProgressBar bar;

    private final Rate rate = new Rate();

    private final Lines lines;

    private Progress(ProgressBar bar) {
        this(bar, null);
    }

    private Progress(ProgressBar bar, Lines lines) {
        this.lines = lines;
        this.bar = bar;
    }

    /** A bar for {@code run}, or none for {@link Mode#NONE}. */
    static Progress start(Mode mode, PrintWriter err, Duration lineInterval, JobRun run, Instant now) {
        if (mode == Mode.NONE) {
            return new Progress(null);
        }
        ProgressBarConsumer consumer = mode == Mode.TERMINAL ? new ConsoleProgressBarConsumer(System.err)
                : new Lines(err, lineInterval);
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(run.kind().tag() + " " + run.migrationId())
                .setInitialMax(Math.max(run.estimatedTotal(), run.processed()))
                .startsFrom(run.processed(), Duration.between(run.startedAt(), now))
                .setUnit(" docs", 1)
                .setStyle(mode == Mode.TERMINAL ? ProgressBarStyle.UNICODE_BLOCK : ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(REFRESH_MILLIS)
                .continuousUpdate()
                .hideEta() // the message carries the run's ETA, over all its workers
                .setConsumer(consumer)
                .build();
        Progress progress = new Progress(bar, consumer instanceof Lines lines ? lines : null);
        progress.update(run, now);
        if (progress.lines != null) {
            progress.lines.ready(); // the bar draws at once, before it has its message: print from now on only
        }
        return progress;
    }

    /** Shows the run as stored now; returns the message shown next to the bar ({@code null} without a bar). */
    String update(JobRun run, Instant now) {
        if (bar == null) {
            return null;
        }
        long processed = run.processed();
        bar.maxHint(Math.max(run.estimatedTotal(), processed));
        bar.stepTo(processed);
        String message = message(run, rate.update(processed, now), now);
        if (lines != null) {
            lines.expect(message);
        }
        bar.setExtraMessage(message);
        return message;
    }

    /** The message next to the bar: the status when not running, rate, ETA and the counters, kept short. */
    static String message(JobRun run, double recentRate, Instant now) {
        double docsPerSecond = recentRate > 0 ? recentRate : run.averageRate(now);
        Duration eta = run.eta(now);
        String counters = run.kind().isCopy()
                ? String.format(Locale.ROOT, "copied %,d, skipped %,d, dead %,d", run.count(Counts.COPIED),
                        run.count(Counts.SKIPPED), run.count(Counts.DEAD_LETTERED))
                : String.format(Locale.ROOT, "missing %,d, stale %,d, different %,d, extra %,d, unconvertible %,d",
                        run.count(Counts.MISSING), run.count(Counts.STALE), run.count(Counts.DIFFERENT),
                        run.count(Counts.EXTRA), run.count(Counts.UNCONVERTIBLE));
        String status = run.status() == JobStatus.RUNNING ? ""
                : run.status().name().toLowerCase(Locale.ROOT) + ", ";
        return String.format(Locale.ROOT, "%s%,.0f docs/s, ETA %s, %s", status, docsPerSecond,
                eta == null ? "-" : JobReport.format(eta), counters);
    }

    /** Draws the last state and ends the bar. */
    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }

    /** Documents per second over the last few seconds of polls. */
    static final class Rate {

        private static final Duration WINDOW = Duration.ofSeconds(3);

        private long windowProcessed = -1;

        private Instant windowStart;

        private double rate;

        double update(long processed, Instant now) {
            if (windowProcessed < 0 || processed < windowProcessed) {
                windowProcessed = processed;
                windowStart = now;
                return rate;
            }
            Duration elapsed = Duration.between(windowStart, now);
            if (elapsed.compareTo(WINDOW) >= 0) {
                rate = (processed - windowProcessed) * 1000d / Math.max(1, elapsed.toMillis());
                windowProcessed = processed;
                windowStart = now;
            }
            return rate;
        }
    }

    /** Plain lines for logs: one per interval at most, and the final one. */
    private static final class Lines implements ProgressBarConsumer {

        private static final int WIDTH = 160;

        private final PrintWriter err;

        private final long intervalNanos;

        private long lastPrinted;

        private boolean printedAny;

        private String last;

        private String lastPrintedLine;

        private boolean ready;

        private String firstMessage;

        Lines(PrintWriter err, Duration interval) {
            this.err = err;
            this.intervalNanos = interval.toNanos();
        }

        synchronized void ready() {
            ready = true;
        }

        /**
         * The message the bar shows from now on. Until a first line is printed, only lines carrying it are: the
         * bar's refresh thread may still be rendering a line begun before the message was set.
         */
        synchronized void expect(String message) {
            firstMessage = message;
        }

        @Override
        public int getMaxRenderedLength() {
            return WIDTH;
        }

        @Override
        public synchronized void accept(String rendered) {
            if (!ready || (!printedAny && firstMessage != null && !rendered.contains(firstMessage))) {
                return;
            }
            last = rendered.strip();
            long now = System.nanoTime();
            if (!printedAny || now - lastPrinted >= intervalNanos) {
                print(now);
            }
        }

        private void print(long now) {
            if (!last.equals(lastPrintedLine)) {
                err.println(last);
                err.flush();
                lastPrintedLine = last;
            }
            printedAny = true;
            lastPrinted = now;
        }

        @Override
        public synchronized void close() {
            if (last != null) {
                print(System.nanoTime());
            }
        }
    }
}
