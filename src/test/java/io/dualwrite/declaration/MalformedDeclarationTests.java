package io.dualwrite.declaration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurationPackage;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.FilterType;
import org.springframework.data.mongodb.repository.config.EnableMongoRepositories;

import io.dualwrite.Migration;
import io.dualwrite.MigrationDeclarationException;
import io.dualwrite.ShapeDeclaration;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.NewPersonMapping;
import io.dualwrite.fixtures.OldPersonMapping;
import io.dualwrite.fixtures.Person;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.repository.support.PhasedRepositoryFactoryBean;

/** A malformed migration declaration stops the application from starting, with a message naming the problem. */
class MalformedDeclarationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(Fixtures.libraryAutoConfigurations())
            .withPropertyValues(Fixtures.mongoProperties("malformed_declarations"))
            .withBean(SettablePhaseSource.class)
            .withUserConfiguration(NoRepositoryPackage.class);

    /** An auto-configuration package without repositories, as an application without phased repositories has. */
    @Configuration
    @AutoConfigurationPackage(basePackages = "io.dualwrite.declaration.none")
    static class NoRepositoryPackage {
    }

    private static String startupFailure(ApplicationContextRunner runner) {
        String[] message = new String[1];
        runner.run(context -> {
            assertThat(context).hasFailed();
            Throwable cause = context.getStartupFailure();
            while (cause.getCause() != null && !(cause instanceof MigrationDeclarationException)
                    && !(cause instanceof IllegalStateException && cause.getMessage() != null
                            && cause.getMessage().contains("phased"))) {
                cause = cause.getCause();
            }
            message[0] = cause.getMessage();
        });
        return message[0];
    }

    @Test
    void duplicateMigrationIdsFailStartupNamingTheId() {
        String message = startupFailure(runner
                .withBean("first", Migration.class, TestMigrations::people)
                .withBean("second", Migration.class, () -> Migration.builder(TestMigrations.PEOPLE, Object.class)
                        .oldShape(ShapeDeclaration.springData("a")).newShape(ShapeDeclaration.springData("b"))
                        .build()));

        assertThat(message).startsWith("Migration 'people-v2' is malformed: the id is declared twice");
    }

    @Test
    void aMissingShapeFailsNamingIt() {
        assertThatThrownBy(() -> Migration.builder("customers-v2", Person.class)
                .oldShape(ShapeDeclaration.springData("users")).build())
                .isInstanceOf(MigrationDeclarationException.class)
                .hasMessage("Migration 'customers-v2' is malformed: missing new shape; declare both with "
                        + ".oldShape(...) and .newShape(...)");
    }

    @Test
    void aMissingMappingFailsStartupNamingTheShape() {
        String message = startupFailure(runner.withBean(Migration.class, () -> Migration.builder("people-v3",
                Person.class).oldShape(ShapeDeclaration.mapped("people_v1", null))
                .newShape(ShapeDeclaration.springData("people_v3")).build()));

        assertThat(message).isEqualTo("Migration 'people-v3' is malformed: the old shape has no mapping; pass a "
                + "DocumentMapping to ShapeDeclaration.mapped(\"people_v1\", mapping) or use "
                + "ShapeDeclaration.springData(\"people_v1\")");
    }

    @Test
    void identicalShapesFailNamingTheCollection() {
        OldPersonMapping<Person> mapping = new OldPersonMapping<>(Person::new);
        assertThatThrownBy(() -> Migration.builder("people-v3", Person.class)
                .oldShape(ShapeDeclaration.mapped("people", mapping))
                .newShape(ShapeDeclaration.mapped("people", mapping)).build())
                .hasMessageContaining("Migration 'people-v3' is malformed: the old and new shapes are identical "
                        + "(collection 'people'");
        assertThatThrownBy(() -> Migration.builder("people-v3", Person.class)
                .oldShape(ShapeDeclaration.springData("people")).newShape(ShapeDeclaration.springData("people"))
                .build())
                .hasMessageContaining("the old and new shapes are identical");
    }

    @Test
    void aBadVersionFieldNameFails() {
        assertThatThrownBy(() -> Migration.builder("people-v3", Person.class)
                .oldShape(ShapeDeclaration.mapped("a", new OldPersonMapping<>(Person::new)))
                .newShape(ShapeDeclaration.mapped("b", new NewPersonMapping<>(Person::new)))
                .versionField("$v").build())
                .isInstanceOf(MigrationDeclarationException.class)
                .hasMessageContaining("Migration 'people-v3' is malformed: the version field '$v' is not a plain");
    }

    @Test
    void aVersionPropertyTheDomainTypeLacksFailsStartup() {
        String message = startupFailure(runner.withBean(Migration.class, () -> Migration.builder("people-v3",
                Person.class).oldShape(ShapeDeclaration.mapped("a", new OldPersonMapping<>(Person::new)))
                .newShape(ShapeDeclaration.mapped("b", new NewPersonMapping<>(Person::new)))
                .versionProperty("revision").build()));

        assertThat(message).isEqualTo("Migration 'people-v3' is malformed: domain type io.dualwrite.fixtures.Person "
                + "has no property 'revision' to hold the version; add a Long property of that name or name yours "
                + "with .versionProperty(...)");
    }

    @Test
    void aVersionPropertyOfTheWrongTypeFailsStartup() {
        String message = startupFailure(runner.withBean(Migration.class, () -> Migration.builder("people-v3",
                Person.class).oldShape(ShapeDeclaration.mapped("a", new OldPersonMapping<>(Person::new)))
                .newShape(ShapeDeclaration.mapped("b", new NewPersonMapping<>(Person::new)))
                .versionProperty("email").build()));

        assertThat(message).contains("the version property 'email' of io.dualwrite.fixtures.Person is a String; "
                + "it must be a Long");
    }

    @Test
    void twoMigrationsOfOneDomainTypeFail() {
        String message = startupFailure(runner
                .withBean("first", Migration.class, TestMigrations::people)
                .withBean("second", Migration.class, () -> Migration.builder("people-v3", Person.class)
                        .oldShape(ShapeDeclaration.mapped("x", new OldPersonMapping<>(Person::new)))
                        .newShape(ShapeDeclaration.mapped("y", new NewPersonMapping<>(Person::new))).build()));

        assertThat(message).contains("domain type io.dualwrite.fixtures.Person already has migration 'people-v2'");
    }

    @Test
    void aPhasedRepositoryWithoutAMigrationFailsStartupNamingTheRepository() {
        String message = startupFailure(runner.withUserConfiguration(UndeclaredRepositoryConfiguration.class));

        assertThat(message).contains("io.dualwrite.declaration.UndeclaredRepository is a PhasedRepository of "
                + "io.dualwrite.declaration.Undeclared, but no Migration bean is declared for Undeclared");
    }

    @Test
    void aFinderOnAPropertyWithoutAFieldInOneShapeFailsStartup() {
        String message = startupFailure(runner.withUserConfiguration(UnmappedFinderConfiguration.class)
                .withBean(Migration.class, UnmappedFinderConfiguration::migration));

        assertThat(message).isEqualTo("UnmappedFinderRepository.findByLastName uses property 'lastName', but the old "
                + "shape of migration 'unmapped-v2' (collection 'unmapped_old') has no field for it; declare it on "
                + "that shape with .field(\"lastName\", \"<document field>\")");
    }

    @Test
    void aQueryAnnotatedMethodFailsStartup() {
        String message = startupFailure(runner.withUserConfiguration(QueryAnnotationConfiguration.class)
                .withBean(Migration.class, TestMigrations::people));

        assertThat(message).isEqualTo("AnnotatedQueryRepository.byMail: @Query and @Aggregation methods are not "
                + "supported by phased repositories, because a query written for one shape cannot run on the "
                + "other; use a finder derived from the method name");
    }

    @Configuration
    @EnableMongoRepositories(basePackageClasses = UndeclaredRepository.class,
            repositoryFactoryBeanClass = PhasedRepositoryFactoryBean.class,
            includeFilters = @ComponentScan.Filter(type = FilterType.ASSIGNABLE_TYPE, classes = UndeclaredRepository.class))
    static class UndeclaredRepositoryConfiguration {
    }

    @Configuration
    @EnableMongoRepositories(basePackageClasses = UnmappedFinderRepository.class,
            repositoryFactoryBeanClass = PhasedRepositoryFactoryBean.class,
            includeFilters = @ComponentScan.Filter(type = FilterType.ASSIGNABLE_TYPE, classes = UnmappedFinderRepository.class))
    static class UnmappedFinderConfiguration {

        static Migration<Person> migration() {
            return Migration.builder("unmapped-v2", Person.class)
                    .oldShape(ShapeDeclaration.mapped("unmapped_old", new OldPersonMapping<>(Person::new))
                            .field("email", "mail"))
                    .newShape(ShapeDeclaration.mapped("unmapped_new", new NewPersonMapping<>(Person::new))
                            .field("email", "email").field("lastName", "lastName"))
                    .build();
        }

        @Bean
        String marker() {
            return "unmapped";
        }
    }

    @Configuration
    @EnableMongoRepositories(basePackageClasses = AnnotatedQueryRepository.class,
            repositoryFactoryBeanClass = PhasedRepositoryFactoryBean.class,
            includeFilters = @ComponentScan.Filter(type = FilterType.ASSIGNABLE_TYPE, classes = AnnotatedQueryRepository.class))
    static class QueryAnnotationConfiguration {
    }
}
