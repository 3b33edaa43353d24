package io.dualwrite.sample.demo;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import io.dualwrite.sample.Customer;
import io.dualwrite.sample.CustomerRepository;

/**
 * Live traffic through {@link CustomerRepository}: writer threads creating, updating and deleting customers, each
 * owning a disjoint set of ids (every {@code n}-th seeded legacy user, and the ids it creates, {@code w<writer>-…}), so
 * that the {@link Ledger} knows exactly what each id must end as. Updates and deletes read the customer first, as a
 * service would, and every read is checked against the record: a read that returns none of the acceptable states
 * is recorded as an anomaly.
 */
final class Traffic {

    private static final String[] FIRST_NAMES = { "Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Margaret",
            "Ken", "Frances", "John", "Radia", "Linus" };

    private static final String[] LAST_NAMES = { "Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth",
            "Hamilton", "Thompson", "van Rossum", "de Morgan" };

    private final CustomerRepository customers;

    private final Ledger ledger;

    private final Supplier<String> phase;

    private final List<Writer> writers = new ArrayList<>();

    private final List<Thread> threads = new ArrayList<>();

    private final LongAdder creates = new LongAdder();

    private final LongAdder updates = new LongAdder();

    private final LongAdder deletes = new LongAdder();

    private final LongAdder reads = new LongAdder();

    private final LongAdder anomalies = new LongAdder();

    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();

    private final long pauseNanos;

    private volatile boolean running;

    /**
     * @param customers the repository the traffic goes through
     * @param ledger where every write and every unexpected read is recorded
     * @param writerCount how many writer threads
     * @param legacyIds the seeded legacy users, shared out among the writers
     * @param phase the phase the instance acts on, for the descriptions of unexpected reads
     * @param seed seed of the writers' random choices
     * @param opsPerSecondPerWriter pacing of each writer, 0 for as fast as it can
     */
    Traffic(CustomerRepository customers, Ledger ledger, int writerCount, List<String> legacyIds,
            Supplier<String> phase, long seed, double opsPerSecondPerWriter) {
        this.customers = customers;
        this.ledger = ledger;
        this.phase = phase;
        this.pauseNanos = opsPerSecondPerWriter <= 0 ? 0 : (long) (1e9 / opsPerSecondPerWriter);
        for (int i = 0; i < writerCount; i++) {
            List<String> owned = new ArrayList<>();
            for (int j = i; j < legacyIds.size(); j += writerCount) {
                owned.add(legacyIds.get(j));
            }
            writers.add(new Writer(i + 1, owned, new Random(seed * 31 + i)));
        }
    }

    /** Starts the writer threads. */
    void start() {
        running = true;
        for (Writer writer : writers) {
            Thread thread = new Thread(writer, "demo-writer-" + writer.number);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    /** Stops the writers after their current operation and waits for them. */
    void stop() throws InterruptedException {
        running = false;
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(30));
            if (thread.isAlive()) {
                throw new IllegalStateException(thread.getName() + " did not stop within 30 s");
            }
        }
    }

    /** The counters now. */
    Snapshot snapshot() {
        Map<String, Long> failed = new TreeMap<>();
        failures.forEach((kind, count) -> failed.put(kind, count.sum()));
        return new Snapshot(creates.sum(), updates.sum(), deletes.sum(), reads.sum(), anomalies.sum(), failed);
    }

    /**
     * Counters of the traffic.
     *
     * @param creates acknowledged creates
     * @param updates acknowledged updates
     * @param deletes acknowledged deletes
     * @param reads reads (each update and half the deletes read first)
     * @param anomalies reads that returned none of the acceptable states
     * @param failures operations that threw, by exception type (their outcome is uncertain)
     */
    record Snapshot(long creates, long updates, long deletes, long reads, long anomalies, Map<String, Long> failures) {

        /** Acknowledged writes. */
        long writes() {
            return creates + updates + deletes;
        }

        /** Operations that threw. */
        long failed() {
            return failures.values().stream().mapToLong(Long::longValue).sum();
        }

        /** The counts since {@code earlier}. */
        Snapshot since(Snapshot earlier) {
            Map<String, Long> failed = new TreeMap<>(failures);
            earlier.failures.forEach((kind, count) -> failed.merge(kind, -count, Long::sum));
            failed.values().removeIf(count -> count == 0);
            return new Snapshot(creates - earlier.creates, updates - earlier.updates, deletes - earlier.deletes,
                    reads - earlier.reads, anomalies - earlier.anomalies, failed);
        }

        /** "1,234 writes acknowledged (creates 300, updates 700, deletes 234), 1,000 reads, 0 failed". */
        String describe(double seconds) {
            String failed = failures.isEmpty() ? "0 failed"
                    : String.format(Locale.ROOT, "%,d failed (outcome uncertain, either accepted: %s)", failed(),
                            failures.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                                    .collect(Collectors.joining(", ")));
            String read = anomalies == 0 ? String.format(Locale.ROOT, "%,d reads, each as recorded", reads)
                    : String.format(Locale.ROOT, "%,d reads, %,d NOT as recorded", reads, anomalies);
            return String.format(Locale.ROOT, "%,d writes acknowledged (creates %,d, updates %,d, deletes %,d) in "
                    + "%.1f s, %,.0f/s; %s; %s", writes(), creates, updates, deletes, seconds,
                    seconds > 0 ? writes() / seconds : 0, read, failed);
        }
    }

    /** One writer thread and the ids it owns. */
    private final class Writer implements Runnable {

        private final int number;

        private final Random random;

        /** Owned ids believed live (or whose last write had an uncertain outcome). */
        private final List<String> live;

        /** Owned ids deleted, candidates for being created again. */
        private final List<String> deleted = new ArrayList<>();

        private int created;

        Writer(int number, List<String> owned, Random random) {
            this.number = number;
            this.random = random;
            this.live = new ArrayList<>(owned);
        }

        @Override
        public void run() {
            long next = System.nanoTime();
            while (running) {
                int dice = random.nextInt(100);
                if (live.isEmpty() || dice < 20) {
                    create();
                }
                else if (dice < 80) {
                    update();
                }
                else {
                    delete();
                }
                if (pauseNanos > 0) {
                    next += pauseNanos;
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        try {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        }
                        catch (InterruptedException ex) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                    else if (wait < -pauseNanos * 10) {
                        next = System.nanoTime(); // fell far behind: do not burst to catch up
                    }
                }
            }
        }

        private void create() {
            String id;
            if (!deleted.isEmpty() && random.nextInt(4) == 0) {
                id = deleted.remove(random.nextInt(deleted.size())); // a new life for a deleted id
            }
            else {
                id = String.format(Locale.ROOT, "w%d-%06d", number, ++created);
            }
            String first = pick(FIRST_NAMES);
            CustomerState content = new CustomerState(first, pick(LAST_NAMES), email(first, id), phone(), now(),
                    null);
            live.add(id);
            try {
                Customer saved = customers.save(content.toCustomer(id, null));
                ledger.acknowledged(id, Outcome.live(saved.getVersion(), content));
                creates.increment();
            }
            catch (RuntimeException ex) {
                failed(id, Outcome.live(null, content), ex);
            }
        }

        private void update() {
            String id = live.get(random.nextInt(live.size()));
            Optional<Customer> current = read(id);
            if (current == null) {
                return;
            }
            if (current.isEmpty()) {
                live.remove(id); // an uncertain delete took effect (or the read was unexpected, and recorded)
                if (ledger.acceptable(id).contains(Outcome.deleted())) {
                    deleted.add(id);
                }
                return;
            }
            Customer customer = current.get();
            CustomerState before = CustomerState.of(customer);
            CustomerState content = new CustomerState(random.nextInt(4) == 0 ? pick(FIRST_NAMES) : before.firstName(),
                    pick(LAST_NAMES), email(before.firstName(), id), phone(), before.createdAt(), now());
            try {
                Customer saved = customers.save(content.toCustomer(id, customer.getVersion()));
                ledger.acknowledged(id, Outcome.live(saved.getVersion(), content));
                updates.increment();
            }
            catch (RuntimeException ex) {
                failed(id, Outcome.live(null, content), ex);
            }
        }

        private void delete() {
            String id = live.get(random.nextInt(live.size()));
            try {
                if (random.nextBoolean()) {
                    customers.deleteById(id);
                }
                else {
                    Optional<Customer> current = read(id);
                    if (current == null) {
                        return;
                    }
                    if (current.isPresent()) {
                        customers.delete(current.get()); // with its version: refused if it changed meanwhile
                    }
                }
                ledger.acknowledged(id, Outcome.deleted());
                deletes.increment();
                live.remove(id);
                deleted.add(id);
            }
            catch (RuntimeException ex) {
                failed(id, Outcome.deleted(), ex);
            }
        }

        /** Reads an owned id and checks it against the record; {@code null} when the read failed. */
        private Optional<Customer> read(String id) {
            Optional<Customer> found;
            try {
                found = customers.findById(id);
            }
            catch (RuntimeException ex) {
                failures.computeIfAbsent("read " + ex.getClass().getSimpleName(), kind -> new LongAdder()).increment();
                return null;
            }
            reads.increment();
            Outcome seen = found.map(c -> Outcome.live(c.getVersion(), CustomerState.of(c))).orElse(Outcome.deleted());
            Set<Outcome> acceptable = ledger.acceptable(id);
            if (acceptable.stream().noneMatch(expected -> expected.matches(seen))) {
                anomalies.increment();
                ledger.anomalousRead(id, "in " + phase.get() + " a read returned " + seen + ", expected "
                        + (acceptable.size() == 1 ? acceptable.iterator().next() : acceptable));
            }
            return found;
        }

        private void failed(String id, Outcome after, RuntimeException ex) {
            ledger.uncertain(id, after);
            failures.computeIfAbsent(ex.getClass().getSimpleName(), kind -> new LongAdder()).increment();
            if (!live.contains(id)) {
                live.add(id); // the next update reads it and sees which way it went
            }
            deleted.remove(id);
        }

        private String pick(String[] values) {
            return values[random.nextInt(values.length)];
        }

        private String email(String first, String id) {
            return random.nextInt(10) < 7 ? first.toLowerCase(Locale.ROOT) + "." + id + "." + random.nextInt(1000)
                    + "@example.com" : null;
        }

        private String phone() {
            return random.nextBoolean() ? String.format(Locale.ROOT, "+1 555 %03d %04d", random.nextInt(1000),
                    random.nextInt(10000)) : null;
        }

        private Instant now() {
            return Instant.now().truncatedTo(ChronoUnit.MILLIS);
        }
    }
}
