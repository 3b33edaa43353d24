package io.dualwrite.copier;

import java.util.ArrayList;
import java.util.List;

import org.bson.Document;

/** Stores {@link Difference}s in MongoDB documents. */
final class DifferenceCodec {

    private DifferenceCodec() {
    }

    static Document toDocument(Difference difference) {
        List<Document> fields = new ArrayList<>();
        for (Difference.FieldDifference field : difference.fields()) {
            fields.add(new Document("field", field.field()).append("expected", field.expected())
                    .append("actual", field.actual()));
        }
        return new Document("id", difference.id()).append("kind", difference.kind())
                .append("detail", difference.detail()).append("fields", fields);
    }

    static Difference fromDocument(Document document) {
        List<Difference.FieldDifference> fields = new ArrayList<>();
        for (Document field : document.getList("fields", Document.class, List.of())) {
            fields.add(new Difference.FieldDifference(field.getString("field"), field.get("expected"),
                    field.get("actual")));
        }
        return new Difference(document.get("id"), document.getString("kind"), document.getString("detail"), fields);
    }
}
