export {
  type SamplePerson,
  type SampleProfile,
  sampleInvoice,
  samplePerson,
  samplePersonSchema,
  sampleProfile,
  sampleProfileModel,
} from './samples.ts';
