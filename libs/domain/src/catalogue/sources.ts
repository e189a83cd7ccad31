import type { Source } from '../contract';

/**
 * The source list of docs/clinical.md#sources (titles shortened, URLs verbatim). Every catalogue
 * number and every planner rule refers to one of these ids, never to a bare title.
 */
export const SOURCES = {
  S1: {
    title: 'openFDA baclofen tablet label',
    url: 'https://api.fda.gov/drug/label.json?search=openfda.generic_name%3A%22baclofen%22',
  },
  S2: {
    title: 'Baclofen oral solution label, Sarras Health (DailyMed via fda.report)',
    url: 'https://fda.report/DailyMed/81a539b3-e547-4a62-ad1b-2eedb30be927',
  },
  S3: {
    title: 'Medscape, Lioresal (baclofen) dosing',
    url: 'https://reference.medscape.com/drug/lioresal-baclofen-343335',
  },
  S4: {
    title: 'MIMS, PMS-Baclofen dosage',
    url: 'https://prdmimsweb.azurewebsites.net/singapore/drug/info/pms-baclofen/dosage',
  },
  S5a: {
    title: 'MIMS Bac-10 special precautions',
    url: 'https://uat.mimsdev.com/philippines/drug/info/bac-10/special-precautions',
  },
  S5b: {
    title: 'MIMS Bac-10 pharmacology',
    url: 'https://sit.mimsdev.com/philippines/drug/info/bac-10/mechanism-of-action',
  },
  S6: {
    title: 'Vlavonou et al., Pharmacokinetic characterization of baclofen in CKD, J Clin Pharmacol',
    url: 'http://onlinelibrary.wiley.com/doi/10.1002/jcph.247/abstract',
  },
  S7: {
    title: 'Muanda et al., JAMA 2019 (baclofen and encephalopathy in CKD)',
    url: 'https://pubmed.ncbi.nlm.nih.gov/31705755/',
  },
  S12: {
    title: 'Baclofen oral suspension label sec. 7.1 (CNS depressants)',
    url: 'https://medlibrary.org/lib/rx/meds/baclofen-8/page/2/',
  },
  S14a: {
    title: 'Joint Clinical Practice Guideline on Benzodiazepine Tapering (2025), equivalents',
    url: 'https://eguideline.guidelinecentral.com/i/1532950/18',
  },
  S14b: {
    title: 'Joint Clinical Practice Guideline on Benzodiazepine Tapering (2025), tapering',
    url: 'https://eguideline.guidelinecentral.com/i/1532950/28',
  },
  S14c: {
    title: 'Joint Clinical Practice Guideline on Benzodiazepine Tapering (2025), summary',
    url: 'https://eguideline.guidelinecentral.com/i/1532950-benzodiazepine-tapering/5',
  },
  S16a: {
    title: 'NHS Scotland, Benzodiazepines and Z-drugs: switching to diazepam',
    url: 'https://rightdecisions.scot.nhs.uk/benzodiazepines-and-z-drugs-quality-prescribing-a-guide-for-improvement/reducing-stopping-and-switching/switching-to-diazepam',
  },
  S16b: {
    title: 'NHS Scotland, Benzodiazepines and Z-drugs: reduction schedules',
    url: 'https://www.rightdecisions.scot.nhs.uk/benzodiazepines-and-z-drugs-quality-prescribing-a-guide-for-improvement/reducing-stopping-and-switching/reduction-schedules',
  },
  S17: {
    title: 'Withdrawal of benzodiazepines (NICE CKS, adapted from Ashton)',
    url: 'https://docslib.org/doc/8834537/withdrawal-of-benzodiazepines',
  },
  S18: {
    title: 'Ashton, Benzodiazepines & Older People',
    url: 'https://www.benzo.org.uk/ashop.htm',
  },
  S20: {
    title: 'Comparison of Benzodiazepine Pharmacology (secondary)',
    url: 'https://benzoreform.org/comparison-of-benzodiazepine-pharmacology',
  },
  S21: {
    title: 'Canadian Family Physician, BZRA deprescribing guideline, Table 2',
    url: 'http://www.cfp.ca/highwire/markup/33323/expansion?width=1000&height=500&iframe=true&postprocessors=highwire_tables%2Chighwire_reclass%2Chighwire_figures%2Chighwire_math%2Chighwire_inline_linked_media%2Chighwire_embed',
  },
  S22: {
    title: 'MIMS, pregabalin (Gabica) precautions',
    url: 'https://uat.mimsdev.com/philippines/drug/info/gabica/special-precautions',
  },
  S23: {
    title: 'CDC Clinical Practice Guideline for Prescribing Opioids for Pain 2022 (MMWR)',
    url: 'https://www.readkong.com/page/cdc-clinical-practice-guideline-for-prescribing-opioids-for-3429989',
  },
  S25: {
    title: 'VA/DoD CPG Opioid Therapy for Chronic Pain 2017',
    url: 'https://www.yumpu.com/en/document/view/56957002/va-dod-clinical-practice-guideline-for-opioid-therapy-for-chronic-pain/66',
  },
  S26: {
    title: 'VA Opioid Taper Decision Tool (text via cpgQA dataset)',
    url: 'https://huggingface.co/datasets/chloecchng/biomedical_cpgQA/viewer/default/train?p=8',
  },
  S31: {
    title: 'Meyer et al. 2001, SERT occupancy by paroxetine and citalopram',
    url: 'https://psychiatryonline.org/doi/full/10.1176/appi.ajp.158.11.1843',
  },
  S32: {
    title: 'Systematic review of antidepressant dose vs SERT occupancy, Mol Psychiatry',
    url: 'https://www.nature.com/articles/s41380-021-01285-w',
  },
  S33: {
    title: 'NICE NG222, stopping antidepressants',
    url: 'http://old.bansdoc.gov.bd/eBook/14/files/basic-html/page19.html',
  },
  S34a: {
    title: 'openFDA clonidine tablets',
    url: 'https://api.fda.gov/drug/label.json?search=openfda.generic_name%3A%22clonidine+hydrochloride%22',
  },
  S34b: {
    title: 'Clonidine label text quoted (secondary)',
    url: 'https://www.droracle.ai/articles/241984/what-is-the-recommended-approach-for-tapering-clonidine-antihypertensive',
  },
  S35: {
    title: 'Toprol-XL boxed warning text',
    url: 'https://wikidoc.org./index.php?diff=998841&oldid=956182&title=Toprol_XL_black_box_warning',
  },
  S36: {
    title: 'Inderal LA text quoted (secondary)',
    url: 'https://www.pharmacistanswers.com/questions/do-you-need-to-taper-propranolol',
  },
  S37: {
    title: 'Gabapentin label text quoted (secondary)',
    url: 'https://www.droracle.ai/articles/11666/how-to-discontinue-gabapentin',
  },
  S38a: {
    title: 'BNF corticosteroid withdrawal (quoted)',
    url: 'https://pharmacy-notebook.com/en-gb/simplepage.cfm?ID=295305268&linkID=11027',
  },
  S38b: {
    title: 'Prednisone withdrawal protocol',
    url: 'https://redbook.streamliners.co.nz/44735.htm',
  },
  S39a: {
    title: 'IV phenobarbital in hypnosedative withdrawal, Clin Pharmacol Ther 1979',
    url: 'https://scilit.net/publications/3f15774f666cb51abda83322de8c6c8e',
  },
  S40a: {
    title: 'ISMP Acute Care Guidelines for Timely Administration of Scheduled Medications',
    url: 'https://home.ecri.org/blogs/ismp-resources/guidelines-for-timely-administration-of-scheduled-medications-acute',
  },
  S40c: {
    title: 'ISMP windows summarised',
    url: 'https://blog.careandcompliance.com/resident-care/medications/medication-delivery-timeframes_03-25-2014/',
  },
} as const satisfies Record<string, Source>;

export type SourceId = keyof typeof SOURCES;

export function sourcesOf(ids: readonly SourceId[]): Source[] {
  return ids.map((id) => ({ ...SOURCES[id] }));
}
