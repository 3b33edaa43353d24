package io.dualwrite.sample.demo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.bson.Document;

import io.dualwrite.sample.Customer;

/**
 * Checks the final new shape against the demo's {@link Ledger}: every id the record knows, as the raw document of the
 * {@code customers} collection and as {@code CustomerRepository} returns it, plus every document of the collection the
 * record does not know. Each id gets at most one finding:
 * <ul>
 * <li><b>lost update</b>: the new shape is missing an entity that must be live, or holds an older write than the
 * last acknowledged one (an earlier acknowledged version or content, or a lower version);</li>
 * <li><b>resurrected</b>: the delete was acknowledged, yet the entity is live in the new shape;</li>
 * <li><b>divergent</b>: any other mismatch: the acknowledged version with other content, an unknown version, a
 * document that is not a valid new-shape document, a repository read that disagrees with the raw document, a read
 * during the traffic that returned none of the acceptable states, or a live document the demo never wrote.</li>
 * </ul>
 * It only compares data: give it the raw documents and the repository's answers, so it can be tested without
 * running the demo.
 */
public final class FinalStateChecker {

    /** The field that marks a tombstone in the new shape (see docs/sample.md). */
    static final String TOMBSTONE_MARKER = "_dwDeleted";

    /** The kinds of problems. */
    public enum Problem {
        LOST_UPDATE("lost update"), RESURRECTED("resurrected"), DIVERGENT("divergent");

        private final String label;

        Problem(String label) {
            this.label = label;
        }

        /** How the demo names it. */
        public String label() {
            return label;
        }
    }

    /**
     * One problem with one id.
     *
     * @param id the id
     * @param problem its kind
     * @param description what was expected and what was found
     */
    public record Finding(String id, Problem problem, String description) {

        @Override
        public String toString() {
            return problem.label() + " " + id + ": " + description;
        }
    }

    /**
     * The outcome of a check.
     *
     * @param documents how many ids were checked
     * @param findings the problems, by id
     */
    public record Verdict(int documents, List<Finding> findings) {

        public Verdict {
            findings = List.copyOf(findings);
        }

        /** Findings of one kind. */
        public long count(Problem problem) {
            return findings.stream().filter(finding -> finding.problem() == problem).count();
        }

        /** Whether nothing was lost, resurrected or divergent. */
        public boolean isClean() {
            return findings.isEmpty();
        }

        /** {@code demo: N documents, lost updates L, resurrected R, divergent D}. */
        public String line() {
            return String.format(Locale.ROOT, "demo: %d documents, lost updates %d, resurrected %d, divergent %d",
                    documents, count(Problem.LOST_UPDATE), count(Problem.RESURRECTED), count(Problem.DIVERGENT));
        }
    }

    /**
     * Checks the record against the new shape.
     *
     * @param ledger the demo's record of every acknowledged and uncertain write
     * @param newShape every document of the new shape's collection (live ones and tombstones), by {@code _id}
     * @param viaRepository what the repository returns for each id it found (ids it did not find are absent)
     */
    public Verdict check(Ledger ledger, Map<String, Document> newShape, Map<String, Customer> viaRepository) {
        List<Finding> findings = new ArrayList<>();
        Set<String> ids = new TreeSet<>(ledger.ids());
        for (String id : ids) {
            Finding finding = check(id, ledger.get(id), newShape.get(id), viaRepository.get(id));
            if (finding != null) {
                findings.add(finding);
            }
        }
        int documents = ids.size();
        for (String id : new TreeSet<>(newShape.keySet())) {
            if (ids.contains(id)) {
                continue;
            }
            documents++;
            Document raw = newShape.get(id);
            if (!isTombstone(raw)) {
                findings.add(new Finding(id, Problem.DIVERGENT, "live in the new shape, but the demo never wrote it "
                        + "and it was not seeded: " + raw.toJson()));
            }
        }
        return new Verdict(documents, findings);
    }

    /**
     * Checks one id.
     *
     * @param entry its record
     * @param raw its document in the new shape, or {@code null}
     * @param read what the repository returned for it, or {@code null} when nothing
     * @return the problem, or {@code null} when the id is as expected
     */
    Finding check(String id, Ledger.Entry entry, Document raw, Customer read) {
        Set<Outcome> acceptable = entry.acceptable();
        Outcome observed;
        try {
            observed = observe(raw);
        }
        catch (IllegalArgumentException ex) {
            return new Finding(id, Problem.DIVERGENT, "not a valid new-shape document (" + ex.getMessage() + "): "
                    + raw.toJson());
        }
        if (acceptable.stream().anyMatch(expected -> expected.matches(observed))) {
            Outcome returned = read == null ? Outcome.deleted()
                    : Outcome.live(read.getVersion(), CustomerState.of(read));
            if (!returned.equals(observed)) {
                return new Finding(id, Problem.DIVERGENT, "the repository returns " + returned
                        + " but the new shape holds " + observed);
            }
            if (!entry.anomalies().isEmpty()) {
                return new Finding(id, Problem.DIVERGENT, "ends as expected, but " + entry.anomalies().size()
                        + " read(s) during the traffic did not: " + entry.anomalies().get(0));
            }
            return null;
        }
        String expected = describe(acceptable);
        if (!observed.live()) {
            return new Finding(id, Problem.LOST_UPDATE, "expected " + expected + ", but the new shape "
                    + (raw == null ? "does not hold it" : "holds a tombstone (version " + raw.get("version") + ")"));
        }
        if (acceptable.stream().noneMatch(Outcome::live)) {
            return new Finding(id, Problem.RESURRECTED, "the delete was acknowledged, but the new shape holds it live: "
                    + observed);
        }
        for (Outcome earlier : entry.history()) {
            if (!earlier.live() || acceptable.contains(earlier)) {
                continue;
            }
            if (earlier.matches(observed) || earlier.content().equals(observed.content())) {
                return new Finding(id, Problem.LOST_UPDATE, "expected " + expected + ", but the new shape holds an "
                        + "earlier acknowledged write: " + observed);
            }
        }
        long newest = acceptable.stream().filter(Outcome::live).filter(outcome -> outcome.version() != null)
                .mapToLong(Outcome::version).max().orElse(Long.MIN_VALUE);
        if (observed.version() < newest) {
            return new Finding(id, Problem.LOST_UPDATE, "expected " + expected + ", but the new shape holds an older "
                    + "version: " + observed);
        }
        return new Finding(id, Problem.DIVERGENT, "expected " + expected + ", but the new shape holds " + observed);
    }

    /** The state a raw new-shape document stands for (absent or a tombstone: deleted). */
    static Outcome observe(Document raw) {
        if (raw == null || isTombstone(raw)) {
            return Outcome.deleted();
        }
        Object version = raw.get("version");
        if (!(version instanceof Number number)) {
            throw new IllegalArgumentException("version is " + version + ", not a number");
        }
        return Outcome.live(number.longValue(), CustomerState.fromNewShape(raw));
    }

    private static boolean isTombstone(Document raw) {
        return Boolean.TRUE.equals(raw.get(TOMBSTONE_MARKER));
    }

    private static String describe(Set<Outcome> acceptable) {
        if (acceptable.size() == 1) {
            return acceptable.iterator().next().toString();
        }
        List<String> each = new ArrayList<>();
        acceptable.forEach(outcome -> each.add(outcome.toString()));
        return "one of [" + String.join("; ", Collections.unmodifiableList(each)) + "]";
    }
}
