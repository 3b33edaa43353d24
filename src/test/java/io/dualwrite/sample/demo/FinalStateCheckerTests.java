package io.dualwrite.sample.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;

import org.bson.Document;
import org.junit.jupiter.api.Test;

import io.dualwrite.sample.Customer;
import io.dualwrite.sample.demo.FinalStateChecker.Finding;
import io.dualwrite.sample.demo.FinalStateChecker.Problem;
import io.dualwrite.sample.demo.FinalStateChecker.Verdict;

/** The demo's final check finds lost updates, resurrections and divergences, and accepts what is right. */
class FinalStateCheckerTests {

    private static final Instant CREATED = Instant.parse("2022-06-14T08:15:02.120Z");

    private final Ledger ledger = new Ledger();

    private final Map<String, Document> newShape = new HashMap<>();

    private final Map<String, Customer> repository = new HashMap<>();

    private final FinalStateChecker checker = new FinalStateChecker();

    @Test
    void untouchedLegacyUsersAndAcknowledgedWritesThatArrivedAreClean() {
        CustomerState legacy = content("Grace", "grace@example.com", null);
        ledger.legacy("u00001", legacy);
        stored("u00001", 0L, legacy);

        CustomerState updated = content("Hopper2", null, "+1 555 000 0000");
        ledger.legacy("u00002", legacy);
        ledger.acknowledged("u00002", Outcome.live(5L << 32 | 17, updated));
        stored("u00002", 5L << 32 | 17, updated);

        ledger.legacy("u00003", legacy);
        ledger.acknowledged("u00003", Outcome.deleted());
        newShape.put("u00003", tombstone("u00003", 9L << 32));

        ledger.acknowledged("w1-000001", Outcome.deleted()); // deleted, and no trace left at all: fine too

        Verdict verdict = checker.check(ledger, newShape, repository);

        assertThat(verdict.findings()).isEmpty();
        assertThat(verdict.isClean()).isTrue();
        assertThat(verdict.documents()).isEqualTo(4);
        assertThat(verdict.line()).isEqualTo("demo: 4 documents, lost updates 0, resurrected 0, divergent 0");
    }

    @Test
    void anOlderVersionOrAMissingEntityIsALostUpdate() {
        CustomerState legacy = content("Ada", "ada@example.com", null);
        CustomerState first = content("King", "ada@example.com", null);
        CustomerState second = content("Byron", "ada.byron@example.com", null);
        ledger.legacy("u00001", legacy); // updated twice, but new still holds the legacy copy
        ledger.acknowledged("u00001", Outcome.live(1L << 32 | 3, first));
        ledger.acknowledged("u00001", Outcome.live(2L << 32 | 4, second));
        stored("u00001", 0L, legacy);

        ledger.legacy("u00002", legacy); // new holds the first update, not the second
        ledger.acknowledged("u00002", Outcome.live(1L << 32 | 5, first));
        ledger.acknowledged("u00002", Outcome.live(2L << 32 | 6, second));
        stored("u00002", 1L << 32 | 5, first);

        ledger.acknowledged("w1-000001", Outcome.live(1L << 32 | 7, first)); // created, never reached new
        ledger.acknowledged("w1-000002", Outcome.live(1L << 32 | 8, first)); // created, tombstone in new
        newShape.put("w1-000002", tombstone("w1-000002", 2L << 32));

        ledger.acknowledged("w1-000003", Outcome.live(3L << 32 | 9, second)); // lower version, other content
        stored("w1-000003", 2L << 32 | 1, content("Other", null, null));

        Verdict verdict = checker.check(ledger, newShape, repository);

        assertThat(verdict.findings()).extracting(Finding::id).containsExactly("u00001", "u00002", "w1-000001",
                "w1-000002", "w1-000003");
        assertThat(verdict.findings()).allMatch(finding -> finding.problem() == Problem.LOST_UPDATE);
        assertThat(verdict.line()).isEqualTo("demo: 5 documents, lost updates 5, resurrected 0, divergent 0");
    }

    @Test
    void anAcknowledgedDeleteThatIsLiveInNewIsAResurrection() {
        CustomerState legacy = content("Alan", null, null);
        ledger.legacy("u00001", legacy);
        ledger.acknowledged("u00001", Outcome.deleted());
        stored("u00001", 0L, legacy); // the copier's copy came back over the delete

        ledger.acknowledged("w1-000001", Outcome.live(1L << 32, legacy));
        ledger.acknowledged("w1-000001", Outcome.deleted());
        stored("w1-000001", 1L << 32, legacy);

        Verdict verdict = checker.check(ledger, newShape, repository);

        assertThat(verdict.count(Problem.RESURRECTED)).isEqualTo(2);
        assertThat(verdict.findings().get(0).description()).contains("delete was acknowledged");
        assertThat(verdict.line()).isEqualTo("demo: 2 documents, lost updates 0, resurrected 2, divergent 0");
    }

    @Test
    void sameVersionOtherContentUnknownDocumentsAndDisagreeingReadsAreDivergent() {
        CustomerState mine = content("Liskov", "barbara@example.com", "+1 555 111 2222");
        ledger.acknowledged("w1-000001", Outcome.live(4L << 32 | 1, mine)); // same version, other phone
        stored("w1-000001", 4L << 32 | 1, content("Liskov", "barbara@example.com", "+1 555 999 9999"));

        ledger.acknowledged("w1-000002", Outcome.live(4L << 32 | 2, mine)); // right raw, repository disagrees
        stored("w1-000002", 4L << 32 | 2, mine);
        repository.put("w1-000002", content("Wrong", null, null).toCustomer("w1-000002", 4L << 32 | 2));

        ledger.acknowledged("w1-000003", Outcome.live(4L << 32 | 3, mine)); // raw holds a field the shape lacks
        stored("w1-000003", 4L << 32 | 3, mine);
        newShape.get("w1-000003").append("name", "Barbara Liskov");

        ledger.acknowledged("w1-000004", Outcome.live(4L << 32 | 4, mine)); // right in the end, but a read was not
        stored("w1-000004", 4L << 32 | 4, mine);
        ledger.anomalousRead("w1-000004", "in READ_NEW_WRITE_BOTH a read returned deleted");

        ledger.acknowledged("w1-000005", Outcome.live(4L << 32 | 5, mine)); // a newer version nobody wrote
        stored("w1-000005", 6L << 32 | 5, content("Newer", null, null));

        newShape.put("zz-unknown", new Document("_id", "zz-unknown").append("firstName", "Nobody")
                .append("version", 1L));

        Verdict verdict = checker.check(ledger, newShape, repository);

        assertThat(verdict.findings()).extracting(Finding::id).containsExactly("w1-000001", "w1-000002",
                "w1-000003", "w1-000004", "w1-000005", "zz-unknown");
        assertThat(verdict.findings()).allMatch(finding -> finding.problem() == Problem.DIVERGENT);
        assertThat(verdict.findings().get(1).description()).contains("the repository returns");
        assertThat(verdict.findings().get(2).description()).contains("unexpected field 'name'");
        assertThat(verdict.findings().get(3).description()).contains("a read returned deleted");
        assertThat(verdict.line()).isEqualTo("demo: 6 documents, lost updates 0, resurrected 0, divergent 6");
    }

    @Test
    void aWriteThatThrewMayEndEitherWay() {
        CustomerState before = content("Knuth", "don@example.com", null);
        CustomerState after = content("Knuth2", "don@example.com", null);

        ledger.acknowledged("w1-000001", Outcome.live(1L << 32 | 1, before)); // update threw, and it applied
        ledger.uncertain("w1-000001", Outcome.live(null, after));
        stored("w1-000001", 2L << 32 | 8, after);

        ledger.acknowledged("w1-000002", Outcome.live(1L << 32 | 2, before)); // update threw, and it did not
        ledger.uncertain("w1-000002", Outcome.live(null, after));
        stored("w1-000002", 1L << 32 | 2, before);

        ledger.acknowledged("w1-000003", Outcome.live(1L << 32 | 3, before)); // delete threw, and it applied
        ledger.uncertain("w1-000003", Outcome.deleted());
        newShape.put("w1-000003", tombstone("w1-000003", 2L << 32));

        ledger.uncertain("w1-000004", Outcome.live(null, before)); // create threw, and it did not apply

        ledger.acknowledged("w1-000005", Outcome.live(1L << 32 | 5, before)); // update threw; new holds neither
        ledger.uncertain("w1-000005", Outcome.live(null, after));
        stored("w1-000005", 1L << 32 | 5, content("Third", null, null));

        Verdict verdict = checker.check(ledger, newShape, repository);

        assertThat(verdict.findings()).singleElement().satisfies(finding -> {
            assertThat(finding.id()).isEqualTo("w1-000005");
            assertThat(finding.problem()).isEqualTo(Problem.DIVERGENT);
            assertThat(finding.description()).startsWith("expected one of [");
        });
        assertThat(ledger.get("w1-000001").uncertainWrites()).isEqualTo(1);
    }

    // ---------------------------------------------------------------- helpers

    private static CustomerState content(String lastName, String email, String phone) {
        return new CustomerState("Ada", lastName, email, phone, CREATED, null);
    }

    /** Puts the document into the new shape, and the same customer into what the repository returns. */
    private void stored(String id, long version, CustomerState content) {
        Document document = new Document("_id", id).append("firstName", content.firstName())
                .append("lastName", content.lastName()).append("createdAt", Date.from(content.createdAt()))
                .append("version", version);
        if (content.email() != null) {
            document.append("email", content.email());
        }
        if (content.phone() != null) {
            document.append("contact", new Document("phone", content.phone()));
        }
        newShape.put(id, document);
        repository.put(id, content.toCustomer(id, version));
    }

    private static Document tombstone(String id, long version) {
        return new Document("_id", id).append("version", version).append("_dwDeleted", true)
                .append("_dwDeletedAt", new Date());
    }
}
