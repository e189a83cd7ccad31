import { Inject, Injectable } from '@nestjs/common';
import fastJson from 'fast-json-stringify';
import { LRUCache } from 'lru-cache';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { Page } from '@taperwatch/http';
import type { DoseListQuery, DosePageVersion } from './dose-page.repository';
import { DOSE_PAGE_SCHEMA, DoseView } from './dose-view';

/** A page as sent, with the versions of what it shows when it was read. */
export interface KeptPage {
  body: Buffer;
  equivalentDrugCode: string | null;
  pageVersion: string | null;
  sharedVersion: string;
}

/** fast-json-stringify writes a page of fifty doses faster than JSON.stringify (decision 0040). */
const writePage = fastJson(DOSE_PAGE_SCHEMA as object) as (page: Page<DoseView>) => string;

/** Bytes a kept page is charged beyond its body: its key and the entry's own fields. */
const ENTRY_OVERHEAD = 256;

/**
 * The dose pages this process answered, kept by tenant, plan and query, and answered again while
 * the plan's page versions (dose_page_versions, moved by triggers on doses) are what they were
 * when the page was read: a board polls a page far more often than its doses change
 * (decision 0046). Least recently used pages go first past DOSE_PAGE_CACHE_MB.
 */
@Injectable()
export class DosePageCache {
  private readonly pages?: LRUCache<string, KeptPage>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const maxSize = config.DOSE_PAGE_CACHE_MB * 1024 * 1024;
    if (maxSize > 0) {
      this.pages = new LRUCache({
        maxSize,
        sizeCalculation: (page, key) => page.body.length + key.length + ENTRY_OVERHEAD,
      });
    }
  }

  keyOf(tenantId: string, planId: string, query: DoseListQuery): string {
    const { from = '', to = '', status = '', cursor = '', limit } = query;
    return `${tenantId}/${planId}/${limit}/${from}/${to}/${status}/${cursor}`;
  }

  /** The page kept under `key`, if any (whether it is current is the caller's check). */
  get(key: string): KeptPage | undefined {
    return this.pages?.get(key);
  }

  /** The page as JSON, kept under `key` when it has a shared version to be checked against. */
  write(key: string, page: Page<DoseView>, version: DosePageVersion): Buffer {
    const body = Buffer.from(writePage(page));
    if (this.pages && version.shared_version !== null) {
      this.pages.set(key, {
        body,
        equivalentDrugCode: version.equivalent_drug_code,
        pageVersion: version.page_version,
        sharedVersion: version.shared_version,
      });
    }
    return body;
  }

  /** True when the kept page shows what a page read with `version` would. */
  static isCurrent(page: KeptPage, version: DosePageVersion): boolean {
    return (
      page.pageVersion === version.page_version &&
      page.sharedVersion === version.shared_version &&
      page.equivalentDrugCode === version.equivalent_drug_code
    );
  }
}
