/**
 * Internals: the phased store and its write protocol, versions and bookkeeping fields. Not an API; it may change in
 * any release.
 */
package io.dualwrite.internal;
