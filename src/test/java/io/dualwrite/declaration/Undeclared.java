package io.dualwrite.declaration;

import org.springframework.data.annotation.Id;

/** A domain type no migration is declared for. */
public class Undeclared {

    @Id
    private String id;

    private Long version;

    public String getId() {
        return id;
    }

    public Long getVersion() {
        return version;
    }
}
