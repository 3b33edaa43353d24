package io.dualwrite.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.data.ConditionalOnRepositoryType;
import org.springframework.boot.autoconfigure.data.RepositoryType;
import org.springframework.boot.data.mongodb.autoconfigure.DataMongoAutoConfiguration;
import org.springframework.boot.data.mongodb.autoconfigure.DataMongoRepositoriesAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.data.mongodb.repository.MongoRepository;
import org.springframework.data.mongodb.repository.config.MongoRepositoryConfigurationExtension;
import org.springframework.data.mongodb.repository.support.MongoRepositoryFactoryBean;

import com.mongodb.client.MongoClient;

/**
 * Takes over Spring Boot's MongoDB repository scanning with {@code PhasedRepositoryFactoryBean}, which creates
 * phased repositories for interfaces extending {@code PhasedRepository} and plain ones for the rest. Backs off, like
 * Boot's own, when the application declares {@code @EnableMongoRepositories} itself: then name
 * {@code repositoryFactoryBeanClass = PhasedRepositoryFactoryBean.class} in it.
 */
@AutoConfiguration(before = DataMongoRepositoriesAutoConfiguration.class, after = DataMongoAutoConfiguration.class)
@ConditionalOnClass({ MongoClient.class, MongoRepository.class })
@ConditionalOnMissingBean({ MongoRepositoryFactoryBean.class, MongoRepositoryConfigurationExtension.class })
@ConditionalOnRepositoryType(store = "mongodb", type = RepositoryType.IMPERATIVE)
@ConditionalOnBooleanProperty(name = "dualwrite.enabled", matchIfMissing = true)
@Import(PhasedRepositoriesRegistrar.class)
public class PhasedRepositoriesAutoConfiguration {
}
