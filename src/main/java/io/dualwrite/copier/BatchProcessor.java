package io.dualwrite.copier;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bson.Document;

import io.dualwrite.Shape;

/** What a job does with one batch of source documents. */
interface BatchProcessor {

    /**
     * Processes a batch read from {@code side} (in {@code _id} order).
     *
     * @param examplesWanted how many more difference examples the run still wants
     */
    Result process(Shape side, List<Document> batch, int examplesWanted);

    /** Counters and examples of one batch. */
    final class Result {

        private final Map<String, Long> counts = new LinkedHashMap<>();

        private final List<Difference> examples = new ArrayList<>();

        void add(String counter, long amount) {
            if (amount != 0) {
                counts.merge(counter, amount, Long::sum);
            }
        }

        void example(Difference difference) {
            examples.add(difference);
        }

        Map<String, Long> counts() {
            return counts;
        }

        List<Difference> examples() {
            return examples;
        }

        long count(String counter) {
            return counts.getOrDefault(counter, 0L);
        }
    }
}
