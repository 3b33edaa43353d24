/**
 * The phase guard: the rules every requested phase change is checked against (DESIGN.md, Transitions), reading the
 * recorded progress — copier and verifier runs, the instance registry, unrepaired second writes, the audit log.
 */
package io.dualwrite.guard;
