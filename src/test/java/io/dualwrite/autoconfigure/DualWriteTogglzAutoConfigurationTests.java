package io.dualwrite.autoconfigure;

import static io.dualwrite.support.TestMigrations.CUSTOMERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.dualwrite.Phase;
import io.dualwrite.spi.PhaseSource;
import io.dualwrite.support.MutableClock;
import io.dualwrite.support.ToggleContexts;
import io.dualwrite.toggle.PhaseActivationStrategy;
import io.dualwrite.toggle.PhaseChangeValidator;
import io.dualwrite.toggle.PhaseToggles;
import io.dualwrite.toggle.ValidatingStateRepository;
import org.junit.jupiter.api.Test;
import org.togglz.core.manager.FeatureManager;
import org.togglz.core.repository.StateRepository;
import org.togglz.core.util.NamedFeature;

/** Togglz runs on dualwrite's feature provider, strategy and shared repository; the pieces can be replaced. */
class DualWriteTogglzAutoConfigurationTests {

    @Test
    void togglzUsesTheMigrationFeaturesTheStrategyAndTheValidatingSharedRepository() {
        ToggleContexts.runner("togglz_autoconfig_wiring", new MutableClock())
                .withPropertyValues("togglz.features.NEW_CHECKOUT.enabled=true")
                .run(context -> {
                    FeatureManager features = context.getBean(FeatureManager.class);
                    assertThat(features.getFeatures()).extracting(f -> f.name())
                            .contains(CUSTOMERS, "orders.v3", "NEW_CHECKOUT");
                    assertThat(features.getActivationStrategies())
                            .anySatisfy(s -> assertThat(s).isInstanceOf(PhaseActivationStrategy.class));
                    assertThat(context.getBean(StateRepository.class)).isInstanceOf(ValidatingStateRepository.class);
                    assertThat(features.getFeatureState(new NamedFeature(CUSTOMERS)).getParameter("phase"))
                            .isEqualTo("OLD_ONLY");
                    assertThat(context).hasSingleBean(PhaseSource.class);
                });
    }

    @Test
    void aPhaseChangeValidatorBeanGuardsEveryChange() {
        ToggleContexts.runner("togglz_autoconfig_validator", new MutableClock())
                .withBean(PhaseChangeValidator.class, () -> (id, from, to) -> {
                    if (to.ordinal() - from.ordinal() > 1) {
                        throw new IllegalArgumentException("Skipping from " + from + " to " + to + " is refused");
                    }
                })
                .run(context -> {
                    PhaseToggles toggles = context.getBean(PhaseToggles.class);
                    assertThatIllegalArgumentException()
                            .isThrownBy(() -> toggles.requestPhase(CUSTOMERS, Phase.READ_NEW_WRITE_BOTH, "ops"))
                            .withMessageEndingWith("Skipping from OLD_ONLY to READ_NEW_WRITE_BOTH is refused");
                    assertThat(toggles.storedState(CUSTOMERS).phase()).isEqualTo(Phase.OLD_ONLY);
                    toggles.requestPhase(CUSTOMERS, Phase.READ_OLD_WRITE_BOTH, "ops");
                    assertThat(toggles.storedState(CUSTOMERS).phase()).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
                });
    }

    @Test
    void aTogglzCacheThatOutlivesMaxStalenessIsRefused() {
        ToggleContexts.runner("togglz_autoconfig_cache", new MutableClock())
                .withPropertyValues("togglz.cache.enabled=true", "togglz.cache.time-to-live=5",
                        "togglz.cache.time-unit=SECONDS")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause()
                            .hasMessageContaining("togglz.cache is enabled with a time-to-live of PT5S")
                            .hasMessageContaining("dualwrite.toggles.max-staleness (PT1S)");
                });
        ToggleContexts.runner("togglz_autoconfig_cache", new MutableClock())
                .withPropertyValues("togglz.cache.enabled=true", "togglz.cache.time-to-live=500")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void nothingWhenDualwriteIsDisabled() {
        ToggleContexts.runner("togglz_autoconfig_disabled", new MutableClock())
                .withPropertyValues("dualwrite.enabled=false")
                .run(context -> {
                    assertThat(context).doesNotHaveBean(PhaseSource.class);
                    assertThat(context).doesNotHaveBean(ValidatingStateRepository.class);
                });
    }
}
