package io.dualwrite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class PhaseTests {

    @Test
    void eachPhaseReadsAndWritesWhatTheDesignTableSays() {
        assertThat(Phase.OLD_ONLY.readShape()).isEqualTo(Shape.OLD);
        assertThat(Phase.OLD_ONLY.writeOrder()).containsExactly(Shape.OLD);
        assertThat(Phase.READ_OLD_WRITE_BOTH.readShape()).isEqualTo(Shape.OLD);
        assertThat(Phase.READ_OLD_WRITE_BOTH.writeOrder()).containsExactly(Shape.OLD, Shape.NEW);
        assertThat(Phase.READ_NEW_WRITE_BOTH.readShape()).isEqualTo(Shape.NEW);
        assertThat(Phase.READ_NEW_WRITE_BOTH.writeOrder()).containsExactly(Shape.NEW, Shape.OLD);
        assertThat(Phase.READ_NEW_WRITE_NEW.readShape()).isEqualTo(Shape.NEW);
        assertThat(Phase.READ_NEW_WRITE_NEW.writeOrder()).containsExactly(Shape.NEW);
    }

    @Test
    void theSecondaryShapeIsTheOneWrittenSecond() {
        assertThat(Phase.OLD_ONLY.secondaryShape()).isNull();
        assertThat(Phase.READ_OLD_WRITE_BOTH.secondaryShape()).isEqualTo(Shape.NEW);
        assertThat(Phase.READ_NEW_WRITE_BOTH.secondaryShape()).isEqualTo(Shape.OLD);
        assertThat(Phase.READ_NEW_WRITE_NEW.secondaryShape()).isNull();
    }

    @Test
    void phasesStepForwardAndBackOneAtATime() {
        assertThat(Phase.OLD_ONLY.next()).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
        assertThat(Phase.READ_NEW_WRITE_NEW.next()).isNull();
        assertThat(Phase.OLD_ONLY.previous()).isNull();
        assertThat(Phase.READ_NEW_WRITE_BOTH.previous()).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
        assertThat(Phase.READ_OLD_WRITE_BOTH.isAdjacentTo(Phase.READ_NEW_WRITE_BOTH)).isTrue();
        assertThat(Phase.OLD_ONLY.isAdjacentTo(Phase.READ_NEW_WRITE_BOTH)).isFalse();
    }

    @Test
    void parsingAcceptsCaseAndDashesAndNamesTheValidPhasesOnError() {
        assertThat(Phase.parse(" read-old-write-both ")).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
        assertThatThrownBy(() -> Phase.parse("BANANA")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'BANANA' is not a phase; use one of OLD_ONLY, READ_OLD_WRITE_BOTH, READ_NEW_WRITE_BOTH, "
                        + "READ_NEW_WRITE_NEW");
        assertThatThrownBy(() -> Phase.parse(null)).hasMessageContaining("'null' is not a phase");
        assertThat(List.of(Phase.values())).hasSize(4);
    }
}
