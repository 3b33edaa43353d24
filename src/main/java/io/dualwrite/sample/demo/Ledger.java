package io.dualwrite.sample.demo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The demo's own record of every write, kept independently of the database: for each id, the outcomes a correct
 * system may end with. Each traffic writer owns a disjoint set of ids, so the record of an id is exact:
 * <ul>
 * <li>a seeded legacy user nobody touched must end as the mapping of its legacy document, at version 0;</li>
 * <li>after an acknowledged write (create, update, delete) exactly its outcome is acceptable;</li>
 * <li>after a write that threw, its outcome is uncertain: the states acceptable before it stay acceptable, and the
 * state it would have produced becomes acceptable too, until the next acknowledged write of the id.</li>
 * </ul>
 * Reads that saw none of the acceptable states of an id are recorded too. An entry is changed only by the thread
 * that owns its id; the checker reads the record once the writers have stopped.
 */
public final class Ledger {

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    /** A seeded legacy user: it must end in the new shape as {@code content} (the legacy mapping), version 0. */
    public void legacy(String id, CustomerState content) {
        record(id, Outcome.live(0L, content));
    }

    /** An acknowledged write: from now on exactly {@code outcome} is acceptable. */
    public void acknowledged(String id, Outcome outcome) {
        record(id, outcome).touched = true;
    }

    private Entry record(String id, Outcome outcome) {
        Entry entry = entry(id);
        entry.history.add(outcome);
        entry.acceptable.clear();
        entry.acceptable.add(outcome);
        entry.uncertain = 0;
        return entry;
    }

    /** A write that threw: its outcome joins the acceptable ones (an id never written before may also be absent). */
    public void uncertain(String id, Outcome after) {
        Entry entry = entry(id);
        if (entry.acceptable.isEmpty()) {
            entry.acceptable.add(Outcome.deleted());
        }
        entry.acceptable.add(after);
        entry.uncertain++;
        entry.touched = true;
    }

    /** A read of {@code id} through the repository that returned none of the acceptable outcomes. */
    public void anomalousRead(String id, String description) {
        entry(id).anomalies.add(description);
    }

    /** The outcomes acceptable for {@code id} now (empty for an id never recorded). */
    public Set<Outcome> acceptable(String id) {
        Entry entry = entries.get(id);
        return entry == null ? Set.of() : Collections.unmodifiableSet(entry.acceptable);
    }

    /** The record of one id, or {@code null}. */
    public Entry get(String id) {
        return entries.get(id);
    }

    /** The ids recorded. */
    public Set<String> ids() {
        return Collections.unmodifiableSet(entries.keySet());
    }

    /** How many ids are recorded. */
    public int size() {
        return entries.size();
    }

    private Entry entry(String id) {
        return entries.computeIfAbsent(id, key -> new Entry());
    }

    /** The record of one id. */
    public static final class Entry {

        private final List<Outcome> history = new ArrayList<>();

        private final Set<Outcome> acceptable = new LinkedHashSet<>();

        private final List<String> anomalies = new ArrayList<>();

        private int uncertain;

        private boolean touched;

        /** Every acknowledged outcome, oldest first (a seeded legacy user starts with its legacy content). */
        public List<Outcome> history() {
            return Collections.unmodifiableList(history);
        }

        /** The outcomes a correct system may end with. */
        public Set<Outcome> acceptable() {
            return Collections.unmodifiableSet(acceptable);
        }

        /** Reads that returned none of the outcomes acceptable at the time. */
        public List<String> anomalies() {
            return Collections.unmodifiableList(anomalies);
        }

        /** Writes of this id that threw since the last acknowledged one (or ever, if none was acknowledged after). */
        public int uncertainWrites() {
            return uncertain;
        }

        /** Whether the traffic wrote this id at all (false: an untouched legacy user). */
        public boolean touched() {
            return touched;
        }
    }
}
