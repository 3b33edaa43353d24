package io.dualwrite.sample;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Sort;
import org.bson.types.ObjectId;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * The customers API. It knows nothing about the migration: the {@link CustomerRepository} reads and writes whichever
 * shape the phase says. Every request is checked before any data is touched; a refused request changes nothing.
 */
@RestController
@RequestMapping("/api/customers")
public class CustomerController {

    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s.]+(\\.[^@\\s.]+)+");

    private static final Pattern PHONE = Pattern.compile("\\+?[0-9 ()./-]{3,30}");

    private static final int MAX_NAME = 100;

    private static final int MAX_PAGE_SIZE = 100;

    /** Properties a page may be sorted by: each has a field in both shapes. */
    private static final Set<String> SORTABLE = Set.of("id", "email", "createdAt", "updatedAt");

    private final CustomerRepository repository;

    private final Clock clock;

    /** Creates the controller. */
    public CustomerController(CustomerRepository repository, Clock clock) {
        this.repository = repository;
        this.clock = clock;
    }

    /** Creates a customer: 201 with its location and body. */
    @PostMapping
    public ResponseEntity<CustomerResponse> create(@RequestBody CustomerRequest request) {
        CustomerRequest valid = validate(request, false);
        refuseTakenEmail(valid.email(), null);
        Instant now = now();
        Customer customer = new Customer();
        // a string id like the legacy users' ("u00042"): the copier scans one _id type in order, and Spring Data would
        // otherwise store an ObjectId for a String id left null
        customer.setId("c" + new ObjectId().toHexString());
        apply(valid, customer);
        customer.setCreatedAt(now);
        Customer saved = repository.save(customer);
        URI location = ServletUriComponentsBuilder.fromCurrentRequest().path("/{id}").buildAndExpand(saved.getId())
                .toUri();
        return ResponseEntity.created(location).body(CustomerResponse.of(saved));
    }

    /** The customer with this id: 200, or 404. */
    @GetMapping("/{id}")
    public ResponseEntity<CustomerResponse> get(@PathVariable String id) {
        return ResponseEntity.of(repository.findById(id).map(CustomerResponse::of));
    }

    /** The customer with this email address: 200, or 404. */
    @GetMapping("/by-email")
    public ResponseEntity<CustomerResponse> byEmail(@RequestParam String email) {
        String address = email.trim();
        if (!EMAIL.matcher(address).matches()) {
            throw new InvalidRequestException(List.of("email '" + email + "' is not a valid email address"),
                    "send GET /api/customers/by-email?email=ada@example.com");
        }
        return ResponseEntity.of(repository.findByEmail(address).map(CustomerResponse::of));
    }

    /**
     * Replaces a customer's fields: 200 with the new version, 404 if it does not exist, 409 if {@code version} is not
     * the stored one (someone else changed it since it was read).
     */
    @PutMapping("/{id}")
    public ResponseEntity<CustomerResponse> update(@PathVariable String id, @RequestBody CustomerRequest request) {
        CustomerRequest valid = validate(request, true);
        Optional<Customer> found = repository.findById(id);
        if (found.isEmpty()) {
            return ResponseEntity.notFound().build();
        }
        refuseTakenEmail(valid.email(), id);
        Customer customer = found.get();
        apply(valid, customer);
        customer.setVersion(valid.version());
        customer.setUpdatedAt(now());
        return ResponseEntity.ok(CustomerResponse.of(repository.save(customer)));
    }

    /** Deletes a customer: 204, or 404 if it does not exist. */
    @DeleteMapping("/{id}")
    public ResponseEntity<Void> delete(@PathVariable String id) {
        if (!repository.existsById(id)) {
            return ResponseEntity.notFound().build();
        }
        repository.deleteById(id);
        return ResponseEntity.noContent().build();
    }

    /**
     * A page of customers. {@code sort} is {@code property[,asc|desc]} with property one of {@code id},
     * {@code email}, {@code createdAt}, {@code updatedAt}; default {@code id}.
     */
    @GetMapping
    public CustomerPage list(@RequestParam(defaultValue = "0") int page, @RequestParam(defaultValue = "20") int size,
            @RequestParam(defaultValue = "id") String sort) {
        List<String> problems = new ArrayList<>();
        if (page < 0) {
            problems.add("page is " + page + "; pages are numbered from 0");
        }
        if (size < 1 || size > MAX_PAGE_SIZE) {
            problems.add("size is " + size + "; it must be between 1 and " + MAX_PAGE_SIZE);
        }
        Sort order = parseSort(sort, problems);
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems,
                    "send GET /api/customers?page=0&size=20&sort=createdAt,desc (sortable: " + sortable() + ")");
        }
        return CustomerPage.of(repository.findAll(PageRequest.of(page, size, order)));
    }

    private static Sort parseSort(String sort, List<String> problems) {
        String[] parts = sort.split(",", -1);
        String property = parts[0].trim();
        if (!SORTABLE.contains(property)) {
            problems.add("sort property '" + property + "' is not sortable; use one of " + sortable());
            return Sort.unsorted();
        }
        if (parts.length > 2) {
            problems.add("sort '" + sort + "' has more than one direction; use property,asc or property,desc");
            return Sort.unsorted();
        }
        String direction = parts.length == 2 ? parts[1].trim().toLowerCase(Locale.ROOT) : "asc";
        if (!direction.equals("asc") && !direction.equals("desc")) {
            problems.add("sort direction '" + parts[1] + "' is neither asc nor desc");
            return Sort.unsorted();
        }
        return Sort.by(direction.equals("asc") ? Sort.Direction.ASC : Sort.Direction.DESC, property);
    }

    private static String sortable() {
        return String.join(", ", SORTABLE.stream().sorted().toList());
    }

    /** The request with trimmed values, or the problems as a 400. */
    static CustomerRequest validate(CustomerRequest request, boolean update) {
        String hint = "send JSON " + (update ? CustomerRequest.EXAMPLE.replace("}", ", \"version\": 1}")
                : CustomerRequest.EXAMPLE) + " with Content-Type: application/json";
        if (request == null) {
            throw new InvalidRequestException(List.of("the request body is empty"), hint);
        }
        List<String> problems = new ArrayList<>();
        String firstName = trim(request.firstName());
        String lastName = trim(request.lastName());
        String email = trim(request.email());
        String phone = trim(request.phone());
        if (firstName == null) {
            problems.add("firstName is required");
        }
        else if (firstName.chars().anyMatch(Character::isWhitespace)) {
            problems.add("firstName '" + firstName + "' contains a space; the legacy users collection stores "
                    + "\"First Last\" and splits it at the first space, so a first name must be one word");
        }
        else if (firstName.length() > MAX_NAME) {
            problems.add("firstName is longer than " + MAX_NAME + " characters");
        }
        if (lastName == null) {
            problems.add("lastName is required");
        }
        else if (lastName.length() > MAX_NAME) {
            problems.add("lastName is longer than " + MAX_NAME + " characters");
        }
        if (email != null && !EMAIL.matcher(email).matches()) {
            problems.add("email '" + email + "' is not a valid email address (name@domain.tld)");
        }
        if (phone != null && (!PHONE.matcher(phone).matches() || phone.chars().noneMatch(Character::isDigit))) {
            problems.add("phone '" + phone + "' is not a phone number (digits, spaces, +, (), ., -; at most 30)");
        }
        if (update && request.version() == null) {
            problems.add("version is required: send the version you read with GET, so that a concurrent change is "
                    + "detected instead of overwritten");
        }
        else if (update && request.version() < 0) {
            problems.add("version is " + request.version() + "; versions are 0 or more");
        }
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems, hint);
        }
        return new CustomerRequest(firstName, lastName, email, phone, request.version());
    }

    private void refuseTakenEmail(String email, String ownId) {
        if (email == null) {
            return;
        }
        repository.findByEmail(email).filter(other -> !other.getId().equals(ownId)).ifPresent(other -> {
            throw new EmailTakenException(email, other.getId());
        });
    }

    private static void apply(CustomerRequest request, Customer customer) {
        customer.setFirstName(request.firstName());
        customer.setLastName(request.lastName());
        customer.setEmail(request.email());
        customer.setContact(request.phone() == null ? null : new Contact(request.phone()));
    }

    /** Millisecond precision: what both shapes can store, so a customer reads back equal in every phase. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    private static String trim(String value) {
        if (value == null) {
            return null;
        }
        String trimmed = value.trim();
        return trimmed.isEmpty() ? null : trimmed;
    }

    /** An email address already used by another customer; answered with 409. */
    static final class EmailTakenException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        final String email;

        final String ownerId;

        EmailTakenException(String email, String ownerId) {
            super("email " + email + " is already used by customer " + ownerId);
            this.email = email;
            this.ownerId = ownerId;
        }
    }
}
