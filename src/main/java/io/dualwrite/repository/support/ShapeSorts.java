package io.dualwrite.repository.support;

import java.util.ArrayList;
import java.util.List;

import org.bson.conversions.Bson;
import org.springframework.data.domain.Sort;

import com.mongodb.client.model.Sorts;

import io.dualwrite.internal.ShapeAccess;

/** Translates a Spring Data {@link Sort} on domain properties into a sort on one shape's fields. */
final class ShapeSorts {

    private ShapeSorts() {
    }

    static Bson toBson(Sort sort, ShapeAccess<?> shape, String idPropertyName) {
        if (sort == null || sort.isUnsorted()) {
            return null;
        }
        List<Bson> orders = new ArrayList<>();
        for (Sort.Order order : sort) {
            String field = shape.field(order.getProperty(), idPropertyName);
            if (field == null) {
                throw new IllegalArgumentException("Cannot sort by '" + order.getProperty() + "': "
                        + shape.describe() + " has no field for it; declare it with .field(\"" + order.getProperty()
                        + "\", \"<document field>\")");
            }
            orders.add(order.isAscending() ? Sorts.ascending(field) : Sorts.descending(field));
        }
        return Sorts.orderBy(orders);
    }
}
