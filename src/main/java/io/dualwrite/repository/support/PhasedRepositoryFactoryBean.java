package io.dualwrite.repository.support;

import java.io.Serializable;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.data.mongodb.core.MongoOperations;
import org.springframework.data.mongodb.repository.support.MongoRepositoryFactory;
import org.springframework.data.mongodb.repository.support.MongoRepositoryFactoryBean;
import org.springframework.data.repository.Repository;

import io.dualwrite.internal.PhasedStores;

/**
 * The repository factory bean to name in {@code @EnableMongoRepositories(repositoryFactoryBeanClass = ...)} when your
 * application declares that annotation itself; with Spring Boot's defaults, dualwrite's auto-configuration installs it
 * for you.
 */
public class PhasedRepositoryFactoryBean<T extends Repository<S, ID>, S, ID extends Serializable>
        extends MongoRepositoryFactoryBean<T, S, ID> {

    private BeanFactory beanFactory;

    public PhasedRepositoryFactoryBean(Class<? extends T> repositoryInterface) {
        super(repositoryInterface);
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) throws BeansException {
        super.setBeanFactory(beanFactory);
        this.beanFactory = beanFactory;
    }

    @Override
    protected MongoRepositoryFactory getFactoryInstance(MongoOperations operations) {
        return new PhasedRepositoryFactory(operations, beanFactory.getBean(PhasedStores.class));
    }
}
