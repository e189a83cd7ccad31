/** The DataSource the TypeORM CLI uses (npm run migration:run / migration:generate). */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('taperwatch: invalid environment: DATABASE_URL is missing');
  process.exit(1);
}

export default new DataSource(dataSourceOptions({ url, applicationName: 'taperwatch-cli' }));
