package io.dualwrite.repository.support;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import org.bson.conversions.Bson;
import org.springframework.dao.IncorrectResultSizeDataAccessException;
import org.springframework.data.domain.PageImpl;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.SliceImpl;
import org.springframework.data.domain.Sort;
import org.springframework.data.repository.query.ParametersParameterAccessor;
import org.springframework.data.repository.query.QueryMethod;
import org.springframework.data.repository.query.RepositoryQuery;
import org.springframework.data.repository.query.parser.Part;
import org.springframework.data.repository.query.parser.PartTree;

import com.mongodb.client.model.Filters;

import io.dualwrite.Shape;
import io.dualwrite.internal.PhasedStore;
import io.dualwrite.internal.QuerySpec;
import io.dualwrite.internal.ShapeAccess;

/**
 * A finder derived from its method name ({@code findByEmail}, {@code findByLastNameOrderByFirstName}, ...), run on
 * whichever shape the phase reads, with each domain property translated to that shape's field. Every property the
 * method uses must have a field in both shapes; this is checked when the repository is created, so a finder that
 * could not run in some phase stops the application from starting.
 */
final class PhasedPartTreeQuery implements RepositoryQuery {

    /** The part types this query supports. */
    static final Set<Part.Type> SUPPORTED = EnumSet.of(Part.Type.SIMPLE_PROPERTY, Part.Type.NEGATING_SIMPLE_PROPERTY,
            Part.Type.GREATER_THAN, Part.Type.GREATER_THAN_EQUAL, Part.Type.LESS_THAN, Part.Type.LESS_THAN_EQUAL,
            Part.Type.AFTER, Part.Type.BEFORE, Part.Type.BETWEEN, Part.Type.IN, Part.Type.NOT_IN, Part.Type.IS_NULL,
            Part.Type.IS_NOT_NULL, Part.Type.STARTING_WITH, Part.Type.ENDING_WITH, Part.Type.CONTAINING,
            Part.Type.NOT_CONTAINING, Part.Type.LIKE, Part.Type.NOT_LIKE, Part.Type.TRUE, Part.Type.FALSE,
            Part.Type.EXISTS, Part.Type.REGEX);

    private final QueryMethod method;

    private final PartTree tree;

    private final PhasedStore<?> store;

    PhasedPartTreeQuery(Method javaMethod, QueryMethod method, PhasedStore<?> store) {
        this.method = method;
        this.store = store;
        String where = javaMethod.getDeclaringClass().getSimpleName() + "." + javaMethod.getName();
        this.tree = new PartTree(javaMethod.getName(), store.migration().domainType());
        if (tree.isDelete()) {
            throw new IllegalStateException(where + ": derived delete methods are not supported by phased "
                    + "repositories; find the entities and delete them with delete(entity) so write-both phases "
                    + "leave tombstones");
        }
        for (Part part : tree.getParts()) {
            if (!SUPPORTED.contains(part.getType())) {
                throw new IllegalStateException(where + ": '" + part.getType() + "' on property '"
                        + part.getProperty().toDotPath() + "' is not supported by phased repositories; supported: "
                        + SUPPORTED);
            }
            requireField(where, part.getProperty().toDotPath());
        }
        for (Sort.Order order : tree.getSort()) {
            requireField(where, order.getProperty());
        }
    }

    private void requireField(String where, String property) {
        for (Shape shape : Shape.values()) {
            ShapeAccess<?> access = store.shape(shape);
            if (access.field(property, store.idPropertyName()) == null) {
                throw new IllegalStateException(where + " uses property '" + property + "', but "
                        + access.describe() + " has no field for it; declare it on that shape with .field(\""
                        + property + "\", \"<document field>\")");
            }
        }
    }

    @Override
    public Object execute(Object[] parameters) {
        ParametersParameterAccessor accessor = new ParametersParameterAccessor(method.getParameters(), parameters);
        List<List<Object>> values = bindValues(accessor);
        Sort sort = tree.getSort().and(accessor.getSort());
        Pageable pageable = accessor.getPageable();

        if (tree.isCountProjection()) {
            return store.count(spec(values, Sort.unsorted(), 0, 0));
        }
        if (tree.isExistsProjection()) {
            return !store.find(spec(values, Sort.unsorted(), 0, 1)).isEmpty();
        }
        int maxResults = tree.isLimiting() ? tree.getMaxResults() : 0;
        if (method.isPageQuery() || method.isSliceQuery()) {
            if (pageable.isUnpaged()) {
                List<Object> all = new ArrayList<>(store.find(spec(values, sort, 0, maxResults)));
                return method.isPageQuery() ? new PageImpl<>(all) : new SliceImpl<>(all);
            }
            Sort pageSort = sort.and(pageable.getSort());
            int size = pageable.getPageSize();
            if (method.isSliceQuery()) {
                List<Object> content = new ArrayList<>(store.find(spec(values, pageSort, pageable.getOffset(),
                        size + 1)));
                boolean hasNext = content.size() > size;
                return new SliceImpl<>(hasNext ? content.subList(0, size) : content, pageable, hasNext);
            }
            List<?> content = store.find(spec(values, pageSort, pageable.getOffset(), size));
            return new PageImpl<>(content, pageable, store.count(spec(values, Sort.unsorted(), 0, 0)));
        }
        if (method.isCollectionQuery() || method.isStreamQuery()) {
            List<?> result = store.find(spec(values, sort, 0, maxResults));
            return method.isStreamQuery() ? result.stream() : result;
        }
        List<?> result = store.find(spec(values, sort, 0, maxResults > 0 ? maxResults : 2));
        if (result.size() > 1 && maxResults != 1) {
            throw new IncorrectResultSizeDataAccessException(method.getName() + " expected one result but found more",
                    1, result.size());
        }
        return result.isEmpty() ? null : result.get(0);
    }

    @Override
    public QueryMethod getQueryMethod() {
        return method;
    }

    /** The bound values of each part, in order. */
    private List<List<Object>> bindValues(ParametersParameterAccessor accessor) {
        Iterator<Object> bindable = accessor.iterator();
        List<List<Object>> values = new ArrayList<>();
        for (Part part : tree.getParts()) {
            List<Object> partValues = new ArrayList<>(part.getNumberOfArguments());
            for (int i = 0; i < part.getNumberOfArguments(); i++) {
                partValues.add(bindable.next());
            }
            values.add(partValues);
        }
        return values;
    }

    private QuerySpec spec(List<List<Object>> values, Sort sort, long skip, int limit) {
        return new QuerySpec(shape -> filter(shape, values), shape -> ShapeSorts.toBson(sort, shape,
                store.idPropertyName()), skip, limit);
    }

    private Bson filter(ShapeAccess<?> shape, List<List<Object>> values) {
        List<Bson> disjunction = new ArrayList<>();
        Iterator<List<Object>> partValues = values.iterator();
        for (PartTree.OrPart orPart : tree) {
            List<Bson> conjunction = new ArrayList<>();
            for (Part part : orPart) {
                conjunction.add(condition(shape, part, partValues.next()));
            }
            disjunction.add(conjunction.size() == 1 ? conjunction.get(0) : Filters.and(conjunction));
        }
        if (disjunction.isEmpty()) {
            return Filters.empty();
        }
        return disjunction.size() == 1 ? disjunction.get(0) : Filters.or(disjunction);
    }

    private Bson condition(ShapeAccess<?> shape, Part part, List<Object> raw) {
        String property = part.getProperty().toDotPath();
        String field = shape.field(property, store.idPropertyName());
        boolean ignoreCase = part.shouldIgnoreCase() != Part.IgnoreCaseType.NEVER;
        List<Object> args = new ArrayList<>(raw.size());
        for (Object value : raw) {
            args.add(property.equals(store.idPropertyName()) ? storedIds(value) : shape.queryValue(property, value));
        }
        return switch (part.getType()) {
            case SIMPLE_PROPERTY -> ignoreCase && args.get(0) instanceof String text
                    ? Filters.regex(field, "^" + Pattern.quote(text) + "$", "i")
                    : Filters.eq(field, args.get(0));
            case NEGATING_SIMPLE_PROPERTY -> Filters.ne(field, args.get(0));
            case GREATER_THAN, AFTER -> Filters.gt(field, args.get(0));
            case GREATER_THAN_EQUAL -> Filters.gte(field, args.get(0));
            case LESS_THAN, BEFORE -> Filters.lt(field, args.get(0));
            case LESS_THAN_EQUAL -> Filters.lte(field, args.get(0));
            case BETWEEN -> Filters.and(Filters.gt(field, args.get(0)), Filters.lt(field, args.get(1)));
            case IN -> Filters.in(field, asList(args.get(0)));
            case NOT_IN -> Filters.nin(field, asList(args.get(0)));
            case IS_NULL -> Filters.eq(field, null);
            case IS_NOT_NULL -> Filters.ne(field, null);
            case STARTING_WITH -> Filters.regex(field, "^" + Pattern.quote(text(args)), ignoreCase ? "i" : "");
            case ENDING_WITH -> Filters.regex(field, Pattern.quote(text(args)) + "$", ignoreCase ? "i" : "");
            case CONTAINING -> Filters.regex(field, Pattern.quote(text(args)), ignoreCase ? "i" : "");
            case NOT_CONTAINING -> Filters.not(Filters.regex(field, Pattern.quote(text(args)), ignoreCase ? "i" : ""));
            case LIKE -> Filters.regex(field, likePattern(text(args)), ignoreCase ? "i" : "");
            case NOT_LIKE -> Filters.not(Filters.regex(field, likePattern(text(args)), ignoreCase ? "i" : ""));
            case TRUE -> Filters.eq(field, true);
            case FALSE -> Filters.eq(field, false);
            case EXISTS -> Filters.exists(field, Boolean.TRUE.equals(args.get(0)));
            case REGEX -> Filters.regex(field, text(args));
            default -> throw new IllegalStateException("Unsupported part type " + part.getType());
        };
    }

    private Object storedIds(Object value) {
        if (value instanceof Collection<?> ids) {
            List<Object> converted = new ArrayList<>(ids.size());
            ids.forEach(id -> converted.add(store.storedId(id)));
            return converted;
        }
        return value == null ? null : store.storedId(value);
    }

    private static String text(List<Object> args) {
        return String.valueOf(args.get(0));
    }

    /** LIKE pattern: '*' and '%' are wildcards, everything else literal; unanchored like Spring Data MongoDB. */
    private static String likePattern(String like) {
        StringBuilder regex = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char c : like.toCharArray()) {
            if (c == '*' || c == '%') {
                if (literal.length() > 0) {
                    regex.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                regex.append(".*");
            }
            else {
                literal.append(c);
            }
        }
        if (literal.length() > 0) {
            regex.append(Pattern.quote(literal.toString()));
        }
        return regex.toString();
    }

    private static List<?> asList(Object value) {
        if (value instanceof Collection<?> collection) {
            return new ArrayList<>(collection);
        }
        if (value instanceof Object[] array) {
            return List.of(array);
        }
        return List.of(value);
    }
}
