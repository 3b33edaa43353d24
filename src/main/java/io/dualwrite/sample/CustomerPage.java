package io.dualwrite.sample;

import java.util.List;

import org.springframework.data.domain.Page;

/**
 * One page of customers.
 *
 * @param content the customers on this page
 * @param page the page number, from 0
 * @param size the requested page size
 * @param totalElements how many customers there are in all
 * @param totalPages how many pages of this size there are
 */
public record CustomerPage(List<CustomerResponse> content, int page, int size, long totalElements, int totalPages) {

    /** The response for a page of the repository. */
    public static CustomerPage of(Page<Customer> page) {
        return new CustomerPage(page.getContent().stream().map(CustomerResponse::of).toList(), page.getNumber(),
                page.getSize(), page.getTotalElements(), page.getTotalPages());
    }
}
