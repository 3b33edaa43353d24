package io.dualwrite.internal;

import java.util.Set;
import java.util.TreeSet;

import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * Compares two documents field by field, as the verifier and shadow reads compare the two shapes of an entity:
 * embedded documents field by field (dotted paths), numbers by value whatever their BSON type (3, 3L and 3.0 are the
 * same), and a null field as a missing one.
 */
public final class FieldComparison {

    private FieldComparison() {
    }

    /** Told of every field whose values differ. */
    @FunctionalInterface
    public interface Differences {

        /**
         * @param path the field's dotted path, after the prefix
         * @param expected its value in the expected document, {@code null} when it has none
         * @param actual its value in the actual document, {@code null} when it has none
         */
        void differ(String path, BsonValue expected, BsonValue actual);
    }

    /** Tells {@code differences} of every field whose values differ, in the order of the field names. */
    public static void compare(BsonDocument expected, BsonDocument actual, String prefix, Differences differences) {
        Set<String> names = new TreeSet<>(expected.keySet());
        names.addAll(actual.keySet());
        for (String name : names) {
            BsonValue want = expected.get(name);
            BsonValue have = actual.get(name);
            if (want != null && have != null && want.isDocument() && have.isDocument()) {
                compare(want.asDocument(), have.asDocument(), prefix + name + ".", differences);
            }
            else if (!sameValue(want, have)) {
                differences.differ(prefix + name, want, have);
            }
        }
    }

    /** Whether two field values are the same: numbers by value, null and missing ({@code null}) alike. */
    public static boolean sameValue(BsonValue a, BsonValue b) {
        if (a == null || a.isNull()) {
            return b == null || b.isNull();
        }
        if (b == null) {
            return false;
        }
        if (a.isNumber() && b.isNumber()) {
            return a.asNumber().decimal128Value().equals(b.asNumber().decimal128Value());
        }
        return a.equals(b);
    }
}
