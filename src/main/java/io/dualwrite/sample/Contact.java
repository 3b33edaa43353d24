package io.dualwrite.sample;

/**
 * How to reach a customer; nested under {@code contact} in the new shape, flattened to {@code phone} in the legacy one.
 *
 * @param phone the phone number, or {@code null}
 */
public record Contact(String phone) {
}
