package io.dualwrite.autoconfigure;

import java.lang.annotation.Annotation;

import org.springframework.boot.autoconfigure.data.AbstractRepositoryConfigurationSourceSupport;
import org.springframework.data.mongodb.repository.config.EnableMongoRepositories;
import org.springframework.data.mongodb.repository.config.MongoRepositoryConfigurationExtension;
import org.springframework.data.repository.config.RepositoryConfigurationExtension;

import io.dualwrite.repository.support.PhasedRepositoryFactoryBean;

/** Registers the application's MongoDB repositories (its auto-configuration packages) with the phased factory. */
class PhasedRepositoriesRegistrar extends AbstractRepositoryConfigurationSourceSupport {

    @Override
    protected Class<? extends Annotation> getAnnotation() {
        return EnableMongoRepositories.class;
    }

    @Override
    protected Class<?> getConfiguration() {
        return EnablePhasedRepositoriesConfiguration.class;
    }

    @Override
    protected RepositoryConfigurationExtension getRepositoryConfigurationExtension() {
        return new MongoRepositoryConfigurationExtension();
    }

    @EnableMongoRepositories(repositoryFactoryBeanClass = PhasedRepositoryFactoryBean.class)
    private static final class EnablePhasedRepositoriesConfiguration {
    }
}
