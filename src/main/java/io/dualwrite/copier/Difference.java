package io.dualwrite.copier;

import java.util.List;

/**
 * One difference the verifier found, with the fields that differ.
 *
 * @param id the document's {@code _id}
 * @param kind one of {@link Counts#MISSING}, {@link Counts#STALE}, {@link Counts#DIFFERENT}, {@link Counts#EXTRA},
 * {@link Counts#UNCONVERTIBLE}
 * @param detail a sentence for people
 * @param fields the differing fields (empty when the difference is not about content)
 */
public record Difference(Object id, String kind, String detail, List<FieldDifference> fields) {

    public Difference {
        fields = List.copyOf(fields);
    }

    /**
     * One field whose value differs.
     *
     * @param field the dotted path in the new shape
     * @param expected what mapping the old document gives
     * @param actual what the new shape holds (null when absent)
     */
    public record FieldDifference(String field, Object expected, Object actual) {
    }
}
