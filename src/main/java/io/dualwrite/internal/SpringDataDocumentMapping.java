package io.dualwrite.internal;

import org.bson.Document;
import org.springframework.data.mongodb.core.convert.MongoConverter;

import io.dualwrite.spi.DocumentMapping;

/** Maps a shape whose documents are the domain type as Spring Data's converter writes and reads it. */
final class SpringDataDocumentMapping<T> implements DocumentMapping<T> {

    private final MongoConverter converter;

    private final Class<T> type;

    SpringDataDocumentMapping(MongoConverter converter, Class<T> type) {
        this.converter = converter;
        this.type = type;
    }

    @Override
    public Document toDocument(T entity) {
        Document document = new Document();
        converter.write(entity, document);
        document.remove("_class");
        return document;
    }

    @Override
    public T fromDocument(Document document) {
        return converter.read(type, document);
    }
}
